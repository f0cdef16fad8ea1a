import asyncio
import contextlib
import sys
import threading
import time
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from tests.conftest import register
from tutor.accounts import users
from tutor.accounts.hashing import HASHING_NICENESS, PasswordHashing
from tutor.resources import database_url
from tutor.settings import Settings


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


def test_display_name_defaults_to_the_email_local_part(client):
    email = f"ada.lovelace-{time.time_ns()}@example.com"
    body = {"email": email, "password": "long enough pw"}
    created = client.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201
    assert created.json()["display_name"] == email.split("@")[0]
    token = client.post("/api/v1/auth/login", json=body).json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["display_name"] == email.split("@")[0]


def test_register_with_a_display_name_and_rename(client):
    email = f"named-{time.time_ns()}@example.com"
    body = {"email": email, "password": "long enough pw", "display_name": "  Ada L.  "}
    assert client.post("/api/v1/auth/register", json=body).json()["display_name"] == "Ada L."
    login = client.post("/api/v1/auth/login", json=body).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}

    renamed = client.patch("/api/v1/me", json={"display_name": " Countess "}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["display_name"] == "Countess"
    assert client.get("/api/v1/me", headers=headers).json()["display_name"] == "Countess"
    assert client.patch("/api/v1/me", json={"display_name": "x"}, headers={}).status_code == 401


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, None])
def test_display_names_are_1_to_80_characters(client, name):
    headers = register(client)
    response = client.patch("/api/v1/me", json={"display_name": name}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    registered = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"n{time.time_ns()}@example.com",
            "password": "long enough pw",
            "display_name": name or "y" * 81,
        },
    )
    assert registered.status_code == 422
    assert (
        client.patch("/api/v1/me", json={"display_name": "x" * 80}, headers=headers).json()[
            "display_name"
        ]
        == "x" * 80
    )


def test_the_database_refuses_an_overlong_display_name(settings):
    async def rename() -> None:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            user = await users.create_user(conn, f"{uuid4().hex}@example.com", "pw", "student")
            with pytest.raises(psycopg.errors.CheckViolation):
                await users.set_display_name(conn, user.id, "z" * 81)

    asyncio.run(rename())


def test_new_hashes_take_the_configured_argon2_cost_and_any_stored_one_verifies():
    assert (Settings().password_hash_time_cost, Settings().password_hash_memory_kib) == (3, 65536)
    strong = PasswordHashing(1, 0)  # the defaults a served app has
    cheap = PasswordHashing(1, 0, time_cost=1, memory_kib=8 * 1024)

    async def hashes() -> tuple[str, str, list[bool]]:
        made_strong, made_cheap = await strong.hash("pw"), await cheap.hash("pw")
        checks = [
            await strong.verify(made_cheap, "pw"),  # a stored hash is checked at its own cost
            await cheap.verify(made_strong, "pw"),
            await strong.verify(made_cheap, "not pw"),
            await cheap.verify(None, "pw"),  # an unknown email
        ]
        return made_strong, made_cheap, checks

    try:
        made_strong, made_cheap, checks = asyncio.run(hashes())
    finally:
        strong.close()
        cheap.close()
    assert made_strong.startswith("$argon2id$v=19$m=65536,t=3,")
    assert made_cheap.startswith("$argon2id$v=19$m=8192,t=1,")
    assert checks == [True, True, False, False]


def test_the_api_hashes_at_its_settings_cost(client, settings):
    headers = register(client)
    me = client.get("/api/v1/me", headers=headers).json()
    with psycopg.connect(database_url(settings)) as conn:
        row = conn.execute("SELECT password_hash FROM users WHERE id = %s", (me["id"],)).fetchone()
    cost = f"m={settings.password_hash_memory_kib},t={settings.password_hash_time_cost},"
    assert row is not None and row[0].startswith(f"$argon2id$v=19${cost}")


def thread_niceness() -> dict[int, int]:
    """Each thread of this process (Linux task id) and its niceness, from /proc."""
    found = {}
    for stat in Path("/proc/self/task").glob("*/stat"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            fields = stat.read_text().rsplit(")", 1)[1].split()
            found[int(stat.parent.name)] = int(fields[16])  # field 19 of proc(5)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="niceness is per thread only on Linux")
def test_hashing_threads_yield_the_cpu_to_requests():
    hashing = PasswordHashing(1, 0, time_cost=1, memory_kib=8 * 1024)
    before = thread_niceness()
    try:
        assert asyncio.run(hashing.verify(None, "pw")) is False  # starts the pool's thread
        added = {tid: nice for tid, nice in thread_niceness().items() if tid not in before}
    finally:
        hashing.close()
    main = before[threading.get_native_id()]
    # Other threads may start meanwhile (a test client's); the pool's one must be among them.
    assert min(19, main + HASHING_NICENESS) in added.values()
    assert thread_niceness()[threading.get_native_id()] == main  # the process itself is not


def test_one_address_never_holds_every_hashing_thread():
    # Two threads: a burst from one address hashes one at a time, so a sign-in from another
    # address that comes after all of it still finds a thread and is done first.
    hashing = PasswordHashing(2, 20, time_cost=1, memory_kib=16 * 1024)
    finished: list[str] = []

    async def one(address: str) -> None:
        await hashing.hash("pw", address)
        finished.append(address)

    async def burst() -> None:
        storm = [asyncio.create_task(one("10.0.0.1")) for _ in range(6)]
        await asyncio.sleep(0)  # the burst's hashes are all running or waiting
        await asyncio.gather(*storm, one("10.0.0.2"))

    try:
        asyncio.run(burst())
        assert not hashing._turns  # addresses are forgotten once their hashes are done
    finally:
        hashing.close()
    assert len(finished) == 7
    assert finished.index("10.0.0.2") <= 1, finished
