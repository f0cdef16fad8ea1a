"""PostgreSQL down under a served API: readiness says so at once, requests get a 503 in the
usual error envelope (not a 500), and both recover when it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.own_postgres import OwnPostgres
from tests.served_api import bearer, served_api
from tutor.settings import Settings

# A hang fails the test instead of passing once the pool gives up.
CLIENT_TIMEOUT_S = 5.0
POOL_TIMEOUT_S = "2"
STATEMENT_TIMEOUT_S = "1"
LOCK_USERS = "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"


@dataclass
class Stoppable:
    """A client of the served API, a signed-in account's header, and the API's PostgreSQL."""

    http: httpx.Client
    headers: dict[str, str]
    postgres: OwnPostgres


@pytest.fixture(scope="module")
def stoppable(settings: Settings, data_dir: Path) -> Iterator[Stoppable]:
    """`tutor api` on a PostgreSQL of its own, and that PostgreSQL, which a test may stop."""
    postgres = OwnPostgres(data_dir / "ready-postgres")
    own = settings.model_copy(update={"database_url": postgres.start()})
    log_path = data_dir / "ready-postgres-api.log"
    try:
        with (
            served_api(
                own,
                log_path,
                TUTOR_DB_POOL_TIMEOUT_S=POOL_TIMEOUT_S,
                TUTOR_DB_STATEMENT_TIMEOUT_S=STATEMENT_TIMEOUT_S,
            ) as base,
            httpx.Client(base_url=f"{base}/api/v1", timeout=CLIENT_TIMEOUT_S) as http,
        ):
            yield Stoppable(http, bearer(base), postgres)
    finally:
        postgres.stop()


def wait_for_status(http: httpx.Client, path: str, status: int, **kwargs: object) -> None:
    """Poll until `path` answers `status` (PostgreSQL takes a moment to accept connections)."""
    deadline = time.monotonic() + 30
    while (response := http.get(path, **kwargs)).status_code != status:  # type: ignore[arg-type]
        assert time.monotonic() < deadline, (path, response.status_code, response.text)
        time.sleep(0.2)


def assert_unavailable(response: httpx.Response) -> None:
    """A 503 in the standard envelope, with Retry-After, and nothing of the cause."""
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "service_unavailable", error
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert int(response.headers["Retry-After"]) > 0
    assert "psycopg" not in response.text and "connection" not in error["message"].lower()


def test_ready_is_503_while_postgres_is_down_and_200_once_it_is_back(stoppable):
    http, postgres = stoppable.http, stoppable.postgres
    assert http.get("/health/ready").json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }
    postgres.stop()
    try:
        ready = http.get("/health/ready")
        assert ready.status_code == 503, ready.text
        assert ready.json() == {
            "status": "unavailable",
            "checks": {"database": "unavailable", "redis": "ok"},
        }
        assert http.get("/health/live").status_code == 200
        assert http.get("/health").status_code == 503
    finally:
        postgres.start()
    wait_for_status(http, "/health/ready", 200)
    assert http.get("/health/live").status_code == 200


def test_a_request_during_an_outage_is_a_503_not_a_500(stoppable):
    http, headers, postgres = stoppable.http, stoppable.headers, stoppable.postgres
    assert http.get("/me", headers=headers).status_code == 200
    postgres.stop()
    try:
        assert_unavailable(http.get("/me", headers=headers))
        assert_unavailable(http.get("/documents", headers=headers))
    finally:
        postgres.start()
    wait_for_status(http, "/me", 200, headers=headers)


def test_a_statement_timeout_is_a_503(stoppable):
    http, headers, postgres = stoppable.http, stoppable.headers, stoppable.postgres
    with psycopg.connect(postgres.url) as holder:
        holder.execute(LOCK_USERS)  # every request reads its account: it waits, then is cancelled
        response = http.get("/me", headers=headers)
        holder.rollback()
    assert_unavailable(response)
    assert http.get("/me", headers=headers).status_code == 200
