"""The worker rides out PostgreSQL faults: its reconciler and lease keeper carry on."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path
from uuid import UUID

import psycopg

from ingestion.uploads import UploadLimits, accept_upload
from tests.conftest import register, start_worker, stop_worker, wait_terminal, worker_env
from tutor.resources import database_url
from tutor.settings import Settings

APP_NAME = "tutor-faulty-worker"
TERMINATE = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s
"""
# Held longer than the worker's statement timeout: its reconcile query is cancelled.
LOCK_QUEUE = "LOCK TABLE ingestion_jobs IN ACCESS EXCLUSIVE MODE"
WAITING = """
SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'
"""


WORKER_READY = "ingestion worker "  # its id and "ready" follow, once it serves the queue


def wait_for_log(path: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until the worker's log holds `text`; fail at once if the worker exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, path.read_text(errors="replace")[-3000:]
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the worker log after {timeout}s")


def terminate_backends(settings: Settings, application_name: str) -> int:
    """Kill the server side of every connection the named process holds."""
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        row = conn.execute(TERMINATE, (application_name,)).fetchone()
    return int(row[0]) if row else 0


def hold_queue_locked(settings: Settings, application_name: str, seconds: float) -> int:
    """Keep every query on the job table waiting for `seconds`; returns how many times the
    named process was seen waiting."""
    seen = 0
    with (
        psycopg.connect(database_url(settings)) as holder,
        psycopg.connect(database_url(settings), autocommit=True) as watcher,
    ):
        holder.execute(LOCK_QUEUE)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            row = watcher.execute(WAITING, (application_name,)).fetchone()
            seen += bool(row and row[0])
            time.sleep(0.1)
        holder.rollback()
    return seen


def queue_without_job(settings: Settings, owner_id: UUID, name: str, data: bytes) -> str:
    """A document committed as queued while no job exists for it: only a reconciler finds it."""

    async def run() -> str:
        async with await psycopg.AsyncConnection.connect(
            database_url(settings), autocommit=True
        ) as conn:
            limits = UploadLimits(max_bytes=settings.max_upload_bytes, max_documents=100)
            result = await accept_upload(conn, None, owner_id, name, data, limits=limits)
        return str(result.document.id)

    return asyncio.run(run())


def test_reconciler_survives_database_errors(client, settings, worker, data_dir):
    headers = register(client)
    owner_id = UUID(client.get("/api/v1/me", headers=headers).json()["id"])
    log_path = data_dir / "faulty-worker.log"
    # Pause the shared worker so that only the faulty one can pick the document up.
    worker.send_signal(signal.SIGSTOP)
    env = worker_env(settings, PGAPPNAME=APP_NAME, TUTOR_DB_STATEMENT_TIMEOUT_S="1")
    faulty = start_worker(env, log_path)
    try:
        wait_for_log(log_path, WORKER_READY, faulty, timeout=120)
        time.sleep(2 * settings.reconcile_interval_s)  # its reconciler holds a connection now
        # Two faults: its connections cut under it, then its queries cancelled (a stuck lock).
        killed = terminate_backends(settings, APP_NAME)
        assert killed >= 1, log_path.read_text(errors="replace")[-3000:]
        assert hold_queue_locked(settings, APP_NAME, seconds=3.0) > 0
        time.sleep(2 * settings.reconcile_interval_s)

        document_id = queue_without_job(
            settings, owner_id, "after-fault.txt", b"Queued after the database faults."
        )
        document = wait_terminal(client, headers, document_id, timeout=45)
        assert document["status"] == "ready", (document, log_path.read_text(errors="replace"))
        worker_log = log_path.read_text(errors="replace")
        assert faulty.poll() is None, worker_log[-3000:]
        warnings = [line for line in worker_log.splitlines() if "WARNING" in line]
        assert any("reconcile skipped (QueryCanceled)" in line for line in warnings), warnings
    finally:
        stop_worker(faulty)
        worker.send_signal(signal.SIGCONT)
