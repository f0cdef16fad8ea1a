"""A real stack for the test session: embedded PostgreSQL + pgvector, Redis, worker, MiniLM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingestion.embedding import SentenceTransformerEmbedder
from tutor.accounts.auth import DEFAULT_MEMORY_KIB, DEFAULT_TIME_COST
from tutor.database import migrate
from tutor.resources import database_url
from tutor.runtime.local_postgres import start_postgres
from tutor.runtime.local_redis import LocalRedis
from tutor.runtime.services import service_env
from tutor.runtime.supervisor import spawn
from tutor.settings import Settings

from . import ast_retry
from .scripted_chat import ScriptedChatModel

ast_retry.install()  # before any test module is collected (and rewritten)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DOCUMENTS = SHARED / "documents"
TERMINAL = {"ready", "failed"}
FAST_CHAT_MODEL = "smollm2-135m-instruct"


def shared_file(relative: str) -> Path:
    """A file from ../shared/data; skips the test only when ../shared is absent."""
    path = SHARED / relative
    if not SHARED.exists():
        pytest.skip("../shared/data is not available")
    assert path.exists(), f"missing shared file {path}"
    return path


# Accounts are made by the hundred: a test hash costs one pass over 8 MiB (a few ms) instead of
# three over 64 MiB (a quarter second). The cost is a setting the app passes to argon2, so
# everything else about hashing is as served; tests of hashing under load use REAL_HASH_COST,
# and test_auth_api.py checks that the defaults are the strong cost.
CHEAP_HASH_COST = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8 * 1024}
REAL_HASH_COST = {
    "password_hash_time_cost": DEFAULT_TIME_COST,
    "password_hash_memory_kib": DEFAULT_MEMORY_KIB,
}

RATE_LIMITS = [
    "login_per_minute_per_ip",
    "login_per_minute_per_account",
    "register_per_minute_per_ip",
    "upload_per_minute_per_user",
    "upload_per_minute_per_ip",
    "search_per_minute_per_user",
    "search_per_minute_per_ip",
]


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    # Never under /root: the embedded server runs as its own system user.
    path = Path(tempfile.mkdtemp(prefix="tutor-test-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(data_dir: Path) -> Iterator[LocalRedis]:
    server = LocalRedis(data_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(data_dir: Path, redis_server: LocalRedis) -> Settings:
    database_url = start_postgres(data_dir)
    # Tests that talk to the database directly must not depend on an API test having run first.
    asyncio.run(migrate(database_url))
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_server.url,
        worker_lease_s=2.0,
        reconcile_interval_s=0.5,
        max_upload_bytes=20 * 1024 * 1024,
        fsrs_fuzz=False,
        task_reminder_every_s=5,
        # The session's tests sign up teachers by the dozen with `register(client, "teacher")`;
        # closed sign-up (invites, approval) is tested on apps of its own in
        # test_teacher_signup.py.
        open_teacher_signup=True,
        # Every test signs in, uploads and searches from the one test client address within
        # minutes; the limits are tested on apps of their own in test_auth_abuse.py.
        **dict.fromkeys(RATE_LIMITS, 100_000),
        **CHEAP_HASH_COST,
    )


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a worker subprocess bound to `settings`' services."""
    return {
        **os.environ,
        **service_env(settings),
        "TUTOR_WORKER_LEASE_S": str(settings.worker_lease_s),
        "TUTOR_RECONCILE_INTERVAL_S": str(settings.reconcile_interval_s),
        "TUTOR_TASK_REMINDER_EVERY_S": str(settings.task_reminder_every_s),
        # An API spawned with this environment signs people up as the session's app does.
        "TUTOR_OPEN_TEACHER_SIGNUP": str(settings.open_teacher_signup).lower(),
        **{f"TUTOR_{name.upper()}": str(getattr(settings, name)) for name in RATE_LIMITS},
        **{f"TUTOR_{name.upper()}": str(getattr(settings, name)) for name in CHEAP_HASH_COST},
        **extra,
    }


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """The real worker, as its own process (so it can be killed like one)."""
    with log_path.open("ab") as log:
        return spawn(["worker"], env, log)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Terminate a worker, killing it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def worker(settings: Settings, data_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start_worker(worker_env(settings), data_dir / "worker.log")
    yield process
    stop_worker(process)


@pytest.fixture(scope="session")
def client(
    settings: Settings, embedder: SentenceTransformerEmbedder, worker: Any
) -> Iterator[TestClient]:
    del worker  # the API is only useful with a worker behind it
    with TestClient(create_app(settings, embedder=embedder)) as test_client:
        yield test_client


@contextlib.contextmanager
def app_on_own_redis(
    settings: Settings, embedder: SentenceTransformerEmbedder, folder: Path
) -> Iterator[tuple[TestClient, LocalRedis]]:
    """An API on a Redis of its own, which the test may stop (the session's Redis stays up)."""
    redis = LocalRedis(folder)
    redis.start()
    try:
        own = settings.model_copy(update={"redis_url": redis.url})
        with TestClient(create_app(own, embedder=embedder)) as client:
            yield client, redis
    finally:
        redis.stop()


@pytest.fixture(scope="session")
def scripted_model() -> ScriptedChatModel:
    """The one scripted model the session's tutor API talks to."""
    return ScriptedChatModel()


@pytest.fixture(autouse=True)
def chat(scripted_model: ScriptedChatModel) -> ScriptedChatModel:
    """The scripted model, reset for each test: no test sees another's script or settings."""
    scripted_model.reset()
    return scripted_model


@pytest.fixture(scope="session")
def tutor_client(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    worker: Any,
    scripted_model: ScriptedChatModel,
) -> Iterator[TestClient]:
    """An API whose tutor talks to the scripted chat model."""
    del worker
    with scripted_tutor_app(settings, embedder, scripted_model, tutor_asks_per_minute=25) as app:
        yield app


@contextlib.contextmanager
def scripted_tutor_app(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    model: ScriptedChatModel,
    **updates: Any,
) -> Iterator[TestClient]:
    """An API whose tutor talks to `model`, with `updates` to the session's settings."""
    app = create_app(settings.model_copy(update=updates), embedder=embedder, chat_model=model)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def local_chat(settings: Settings) -> Iterator[Settings]:
    """Settings pointing at a real local llama.cpp server running the small SmolLM2 model."""
    from tutor.llm.local_server import LocalChatServer

    server = LocalChatServer(settings.model_copy(update={"local_chat_model": FAST_CHAT_MODEL}))
    server.start()
    try:
        yield settings.model_copy(
            update={
                "chat_base_url": server.base_url,
                "chat_model": server.model,
                "tutor_max_output_tokens": 64,
            }
        )
    finally:
        server.stop()


_counter = iter(range(1_000_000))


def register(client: TestClient, role: str = "student") -> dict[str, str]:
    """A fresh account; returns the Authorization header for it."""
    email = f"user{next(_counter)}-{time.time_ns()}@example.com"
    password = "correct horse battery"
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "role": role}
    )
    assert response.status_code == 201, response.text
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def set_role(settings: Settings, user_id: str, role: str) -> None:
    """Give an account another role, as `tutor user create --role admin` would have; its token
    carries the new role at once, since roles are read from the database on each request."""
    # Plain psycopg, no event loop: browser tests call this while Playwright holds one.
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute("UPDATE users SET role = %s WHERE id = %s", (role, user_id))


def register_admin(client: TestClient, settings: Settings) -> dict[str, str]:
    """A fresh admin account; returns the Authorization header for it."""
    headers = register(client)
    set_role(settings, client.get("/api/v1/me", headers=headers).json()["id"], "admin")
    return headers


def upload(
    client: TestClient,
    headers: dict[str, str],
    name: str,
    content: bytes,
    password: str | None = None,
) -> Any:
    """POST a file; returns the response."""
    data = {"password": password} if password else None
    return client.post(
        "/api/v1/documents", headers=headers, files={"file": (name, content)}, data=data
    )


def wait_terminal(
    client: TestClient, headers: dict[str, str], document_id: str, timeout: float = 120
) -> dict[str, Any]:
    """Poll the document until it is ready or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document: dict[str, Any] = client.get(
            f"/api/v1/documents/{document_id}", headers=headers
        ).json()
        if document["status"] in TERMINAL:
            return document
        time.sleep(0.2)
    raise AssertionError(f"document {document_id} not finished after {timeout}s: {document}")


def ingest(
    client: TestClient, headers: dict[str, str], name: str, content: bytes, **kwargs: Any
) -> dict[str, Any]:
    """Upload and wait for the terminal status."""
    response = upload(client, headers, name, content, **kwargs)
    assert response.status_code in (200, 202), response.text
    return wait_terminal(client, headers, response.json()["id"])


def next_event(ws: Any) -> dict[str, Any]:
    """The next event on an events socket, keep-alive `ping`s skipped."""
    while True:
        event: dict[str, Any] = ws.receive_json()
        if event["type"] != "ping":
            return event
