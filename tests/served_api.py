"""The API as `tutor api` serves it: its own process, its uvicorn settings, a free port."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import stop_worker, worker_env
from tutor.runtime.supervisor import spawn
from tutor.settings import Settings

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served_api(settings: Settings, log_path: Path, **extra: str) -> Iterator[str]:
    """`tutor api` on the settings' services, `extra` added to its environment; yields its base
    URL once it is live."""
    port = free_port()
    env = worker_env(
        settings,
        TUTOR_CHAT_BASE_URL="http://127.0.0.1:9/v1",  # never called; keeps the local model off
        TUTOR_CHAT_MODEL="absent",
        TUTOR_MAX_UPLOAD_BYTES=str(settings.max_upload_bytes),
        **extra,
    )
    with log_path.open("ab") as log:
        process = spawn(["api", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_live(base, log_path)
        yield base
    finally:
        stop_worker(process)


def _wait_live(base: str, log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise AssertionError(f"the API did not come up:\n{log_path.read_text()[-3000:]}")


def bearer(base: str) -> dict[str, str]:
    """A new account's Authorization header."""
    email = f"served-{time.time_ns()}@example.com"
    body = {"email": email, "password": PASSWORD}
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:
        assert http.post("/auth/register", json=body).status_code == 201
        token = http.post("/auth/login", json=body).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
