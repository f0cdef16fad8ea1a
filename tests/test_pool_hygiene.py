"""The connection pool: a runaway statement is cancelled, a killed backend is replaced."""

from __future__ import annotations

import asyncio
import time
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import register
from tutor.resources import open_pool

TERMINATE = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = %s AND pid <> pg_backend_pid()
"""


def terminate_backends(database_url: str, application_name: str) -> int:
    """Kill every server process serving `application_name`, as a DBA (or a restart) would."""
    with psycopg.connect(database_url, application_name="pool-hygiene-killer") as conn:
        row = conn.execute(TERMINATE, (application_name,)).fetchone()
    return int(row[0]) if row else 0


def test_a_statement_past_the_timeout_is_cancelled_not_waited_for(settings):
    async def run() -> float:
        pool = await open_pool(settings.model_copy(update={"db_statement_timeout_s": 0.3}))
        try:
            async with pool.connection() as conn:
                started = time.monotonic()
                with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
                    await conn.execute("SELECT pg_sleep(5)")
                took = time.monotonic() - started
            async with pool.connection() as conn:  # the connection is fine for the next one
                assert await (await conn.execute("SELECT 1")).fetchone() == (1,)
        finally:
            await pool.close()
        return took

    assert asyncio.run(run()) < 2


def test_the_timeout_is_the_setting_and_zero_turns_it_off(settings):
    async def shown(timeout_s: float) -> str:
        pool = await open_pool(settings.model_copy(update={"db_statement_timeout_s": timeout_s}))
        try:
            async with pool.connection() as conn:
                row = await (await conn.execute("SHOW statement_timeout")).fetchone()
        finally:
            await pool.close()
        assert row is not None
        return str(row[0])

    assert asyncio.run(shown(30)) == "30s"
    assert asyncio.run(shown(0)) == "0"


def test_a_pool_replaces_a_terminated_backend_on_the_next_use(settings, monkeypatch):
    name = f"pool-hygiene-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)  # libpq names this pool's connections

    async def run() -> None:
        pool = await open_pool(settings, max_size=2)
        try:
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")
            assert await asyncio.to_thread(terminate_backends, settings.database_url, name) >= 1
            async with pool.connection() as conn:
                assert await (await conn.execute("SELECT 1")).fetchone() == (1,)
        finally:
            await pool.close()

    asyncio.run(run())


def test_the_api_answers_after_its_backends_are_terminated(settings, embedder, monkeypatch):
    name = f"pool-hygiene-api-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        register(client)
        assert terminate_backends(settings.database_url, name) >= 1
        register(client)  # asserts 201 and a working sign-in, on replaced connections
