"""Nobody stalls the API without an account: sign-in, sign-up, uploads and searches are
rate-limited in Redis, and password hashing runs off the event loop with a bounded wait."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.app import create_app
from api.early_refusal import ADDRESS_LIMITS
from tests.conftest import RATE_LIMITS, REAL_HASH_COST, app_on_own_redis, register, upload

PASSWORD = "correct horse battery"


def fresh_address() -> tuple[str, int]:
    """A client address no other test has counted against."""
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}", 50000


@contextlib.contextmanager
def limited_app(settings, embedder, **limits: int) -> Iterator[TestClient]:
    """The API with every limit loose except `limits`, seen from an address of its own."""
    updates = {**dict.fromkeys(RATE_LIMITS, 100_000), **limits}
    app = create_app(settings.model_copy(update=updates), embedder=embedder)
    with TestClient(app, client=fresh_address()) as client:
        yield client


def sign_up(client: TestClient) -> str:
    email = f"abuse-{uuid.uuid4().hex}@example.com"
    body = {"email": email, "password": PASSWORD}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    return email


def log_in(client, email: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def assert_limited(response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 61


def test_a_burst_of_sign_ins_to_one_account_gets_429_with_retry_after(settings, embedder):
    with limited_app(settings, embedder, login_per_minute_per_account=5) as client:
        email = sign_up(client)
        answers = [log_in(client, email, "wrong password").status_code for _ in range(5)]
        assert answers == [401] * 5
        # Even the right password waits now: guessing must not tell it apart.
        assert_limited(log_in(client, email))
        # Another account from the same address is not held back.
        assert log_in(client, sign_up(client)).status_code == 200


def test_sign_ins_from_one_address_are_limited_across_accounts(settings, embedder):
    with limited_app(settings, embedder, login_per_minute_per_ip=4) as client:
        emails = [sign_up(client) for _ in range(5)]
        assert [log_in(client, e, "nope").status_code for e in emails[:4]] == [401] * 4
        assert_limited(log_in(client, emails[4]))


def test_an_address_over_its_limit_is_refused_before_its_body_is_read(settings, embedder):
    route = {"method": "POST", "route": "/api/v1/auth/login", "status": "429"}
    count = "tutor_http_request_duration_seconds_count"
    with limited_app(settings, embedder, login_per_minute_per_ip=2) as client:
        email = sign_up(client)
        assert [log_in(client, email, "nope").status_code for _ in range(2)] == [401, 401]
        # Read first: the early refusal below must follow the route's 429 within a second.
        before = (REGISTRY.get_sample_value(count, route) or 0.0) + 1  # and the route's 429
        assert_limited(log_in(client, email))  # the route's own check finds it over
        # Known over its limit now: even a body the route would refuse as 422 is not read.
        garbled = client.post(
            "/api/v1/auth/login",
            content=b"{not json",
            headers={"Content-Type": "application/json", "X-Request-ID": "early-1"},
        )
        assert_limited(garbled)
        assert garbled.headers["X-Request-ID"] == "early-1"
        assert garbled.headers["X-Content-Type-Options"] == "nosniff"
        assert REGISTRY.get_sample_value(count, route) == before + 1  # labelled by its route
        # Only that address's sign-ins: it may still sign up.
        assert sign_up(client)


def test_every_early_refusal_names_a_route_with_that_address_limit(settings, embedder):
    app = create_app(settings, embedder=embedder)
    paths = app.openapi()["paths"]
    for (method, path), scope in ADDRESS_LIMITS.items():
        operation = paths[path][method.lower()]  # a KeyError: the route moved
        assert scope.endswith("-ip") and "429" in operation["responses"], (method, path)


def test_sign_ups_from_one_address_are_limited(settings, embedder):
    with limited_app(settings, embedder, register_per_minute_per_ip=3) as client:
        for _ in range(3):
            sign_up(client)
        body = {"email": f"late-{uuid.uuid4().hex}@example.com", "password": PASSWORD}
        assert_limited(client.post("/api/v1/auth/register", json=body))


def test_uploads_and_searches_are_limited_per_user(settings, embedder, worker):
    del worker
    limits = {"upload_per_minute_per_user": 2, "search_per_minute_per_user": 3}
    with limited_app(settings, embedder, **limits) as client:
        headers = register(client)
        for i in range(2):
            assert upload(client, headers, f"n{i}.txt", f"note {i}".encode()).status_code == 202
        assert_limited(upload(client, headers, "n3.txt", b"one too many"))
        for _ in range(3):
            assert client.get("/api/v1/search?q=note&mode=fts", headers=headers).status_code == 200
        assert_limited(client.get("/api/v1/search?q=note&mode=fts", headers=headers))
        # Another user's budget is their own.
        assert (
            client.get("/api/v1/search?q=x&mode=fts", headers=register(client)).status_code == 200
        )


def test_sign_in_fails_closed_while_redis_is_down_and_sign_up_goes_on(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "login-outage") as (client, redis):
        email = sign_up(client)
        redis.stop()
        refused = log_in(client, email)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "sign_in_unavailable"
        assert int(refused.headers["Retry-After"]) >= 1
        assert "access_token" not in refused.text
        # Sign-up limits fail open: losing a limit beats refusing every new student.
        assert sign_up(client)


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """The app on uvicorn in a thread, on a free port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def test_health_answers_at_once_while_ten_sign_ins_hash(settings, embedder):
    loose = settings.model_copy(update={**dict.fromkeys(RATE_LIMITS, 100_000), **REAL_HASH_COST})
    with served(create_app(loose, embedder=embedder)) as url, httpx.Client(base_url=url) as http:
        email = f"storm-{uuid.uuid4().hex}@example.com"
        body = {"email": email, "password": PASSWORD}
        assert http.post("/api/v1/auth/register", json=body, timeout=60).status_code == 201
        with ThreadPoolExecutor(10) as pool:
            logins = [
                pool.submit(http.post, "/api/v1/auth/login", json=body, timeout=120)
                for _ in range(10)
            ]
            time.sleep(0.5)  # the sign-ins are in the server, hashing
            waits = []
            for _ in range(5):
                started = time.perf_counter()
                assert http.get("/api/v1/health", timeout=60).status_code == 200
                waits.append(time.perf_counter() - started)
            still_hashing = sum(not login.done() for login in logins)
            statuses = [login.result().status_code for login in logins]
    # One argon2 check takes most of a second; on the event loop, health waited for all ten.
    assert max(waits) < 1.0, f"health took {[round(w, 3) for w in waits]} s during the sign-ins"
    assert still_hashing > 0, "the sign-ins ended before health was asked: nothing was measured"
    assert statuses == [200] * 10, statuses


def test_sign_ins_past_the_hashing_queue_are_refused_at_once(settings, embedder):
    updates = {
        **dict.fromkeys(RATE_LIMITS, 100_000),
        "password_hash_threads": 1,
        "password_hash_queue": 1,
        **REAL_HASH_COST,  # each check must outlast the others' arrival
    }
    app = create_app(settings.model_copy(update=updates), embedder=embedder)
    with served(app) as url, httpx.Client(base_url=url) as http:
        body = {"email": f"queue-{uuid.uuid4().hex}@example.com", "password": PASSWORD}
        assert http.post("/api/v1/auth/register", json=body, timeout=60).status_code == 201
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda _: http.post("/api/v1/auth/login", json=body, timeout=120), range(8)
                )
            )
    busy = [a for a in answers if a.status_code == 503]
    assert 1 <= sum(a.status_code == 200 for a in answers) <= 7
    assert busy, [a.status_code for a in answers]
    assert all(a.json()["error"]["code"] == "password_check_busy" for a in busy)
    assert all(a.headers["Retry-After"] == "1" for a in busy)
