"""Request bodies against `tutor api` itself: an upload without a valid token is answered 401
from its headers, before its body is sent; a JSON body is capped at 1 MiB; a body past its limit
is 413 whether it declared its length or came chunked."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.served_api import bearer, served_api
from tutor.settings import Settings

BOUNDARY = "limit-test-boundary"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def base(settings: Settings, data_dir) -> Iterator[str]:
    with served_api(settings, data_dir / "body-limits-api.log") as url:
        yield url


def connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: test", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the response on `sock` (which the server then closes)."""
    sock.settimeout(timeout)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while b"\r\n\r\n" not in data or not _complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    pairs = (line.split(": ", 1) for line in header_lines)
    headers = {name.lower(): value for name, value in pairs}
    return int(status_line.split()[1]), headers, body


def _complete(data: bytes) -> bool:
    raw_head, _, body = data.partition(b"\r\n\r\n")
    for line in raw_head.decode("latin-1").lower().split("\r\n"):
        if line.startswith("content-length:"):
            return len(body) >= int(line.split(":")[1])
    return False


def multipart_head(filename: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()


def send_until_answered(sock: socket.socket, chunks: Iterator[bytes]) -> None:
    """Send chunks until the server answers (or stops reading): never past its response."""
    for chunk in chunks:
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return
        if select.select([sock], [], [], 0.02)[0]:
            return


def chunked(parts: Iterator[bytes]) -> Iterator[bytes]:
    """HTTP/1.1 chunked encoding of `parts`."""
    for part in parts:
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_an_upload_without_a_valid_token_is_refused_before_its_body(base, authorization):
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(10 * MiB),  # under the upload limit: only the token is wrong
    }
    if authorization:
        headers["Authorization"] = authorization
    with connect(base) as sock:
        sock.sendall(head("POST", "/api/v1/documents", headers) + multipart_head("big.txt"))
        started = time.monotonic()
        status, response_headers, body = read_response(sock, timeout=5)
    assert status == 401, body
    assert time.monotonic() - started < 5
    assert json.loads(body)["error"]["code"] == "invalid_token"
    assert response_headers["www-authenticate"] == "Bearer"


def test_a_signed_in_upload_within_the_limit_is_accepted(base):
    files = {"file": ("limits.txt", b"Mitochondria make ATP." * 1000)}
    response = httpx.post(f"{base}/api/v1/documents", files=files, headers=bearer(base))
    assert response.status_code == 202, response.text


def test_a_declared_upload_past_the_limit_is_refused_before_its_body(base, settings):
    headers = {
        **bearer(base),
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(settings.max_upload_bytes + MiB),
    }
    with connect(base) as sock:
        sock.sendall(head("POST", "/api/v1/documents", headers))
        status, _, body = read_response(sock, timeout=5)
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "too_large"


def test_a_chunked_upload_past_the_limit_is_413(base, settings):
    headers = {
        **bearer(base),
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Transfer-Encoding": "chunked",
    }
    filler = (b"x" * 1023 + b"\n") * 256  # 256 KiB

    def parts() -> Iterator[bytes]:
        yield multipart_head("huge.txt")
        for _ in range(settings.max_upload_bytes // len(filler) + 4):
            yield filler

    with connect(base) as sock:
        sock.sendall(head("POST", "/api/v1/documents", headers))
        send_until_answered(sock, chunked(parts()))
        status, _, body = read_response(sock, timeout=10)
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "too_large"


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/tasks"])
def test_a_json_body_past_one_mib_is_413_declared_or_chunked(base, path):
    padding = "p" * (2 * MiB)
    payload = json.dumps({"email": "a@example.com", "password": padding}).encode()
    declared = httpx.post(
        f"{base}{path}", content=payload, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413, declared.text

    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    with connect(base) as sock:
        sock.sendall(head("POST", path, headers))
        pieces = (payload[i : i + 65536] for i in range(0, len(payload), 65536))
        send_until_answered(sock, chunked(pieces))
        status, _, body = read_response(sock, timeout=10)
    assert status == 413, body
    assert json.loads(body)["error"]["code"] == "too_large"


def test_a_json_body_under_the_limit_is_read(base):
    body = {"email": "nobody@example.com", "password": "p" * 500 * 1024}
    response = httpx.post(f"{base}/api/v1/auth/login", json=body)
    assert response.status_code == 422, response.text  # read, then refused by the schema
    assert response.json()["error"]["details"][0]["field"] == "password"
