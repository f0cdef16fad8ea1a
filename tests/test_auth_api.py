from tests.conftest import register


def test_register_login_and_me(client):
    headers = register(client, role="teacher")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "teacher"


def test_every_route_needs_a_token(client):
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/documents"),
        ("GET", "/api/v1/search?q=x"),
        ("POST", "/api/v1/documents"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "invalid_token"


def test_a_forged_token_is_refused(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401


def test_wrong_password_and_unknown_email_look_the_same(client):
    client.post(
        "/api/v1/auth/register", json={"email": "pw@example.com", "password": "long enough pw"}
    )
    wrong = client.post("/api/v1/auth/login", json={"email": "pw@example.com", "password": "nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_duplicate_email_is_a_conflict(client):
    body = {"email": "Twice@example.com", "password": "long enough pw"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    body["email"] = "twice@EXAMPLE.com"
    again = client.post("/api/v1/auth/register", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "email_taken"


def test_self_registration_cannot_create_admins(client):
    body = {"email": "boss@example.com", "password": "long enough pw", "role": "admin"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_health_is_public(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}
