"""Redis restarted under a running API and worker, and come back without its queue: no job is
lost, and live events reach a client that reconnects as the web app does."""

from __future__ import annotations

import contextlib
import shutil
import signal
import time
from typing import Any

import pytest
import redis as redis_client
from starlette.websockets import WebSocketDisconnect

from ingestion.queue import job_id
from tests.conftest import (
    app_on_own_redis,
    register,
    start_worker,
    stop_worker,
    upload,
    wait_terminal,
    worker_env,
)
from tests.own_postgres import OwnPostgres
from tests.test_worker_faults import WORKER_READY, wait_for_log
from tutor.runtime.local_redis import LocalRedis

JOB_KEY = "arq:job:"  # arq's key for a queued job
EVENTS_DEADLINE_S = 90


def notes(name: str) -> bytes:
    return f"# {name}\n\nWritten around a Redis restart; {name} must still be read.".encode()


def wipe(redis: LocalRedis) -> None:
    """Drop the stopped server's append-only file: it comes back empty, as after a crash
    before its last fsync or on a fresh volume."""
    for path in redis.dir.glob("appendonly*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def queued_in_redis(redis: LocalRedis, document_id: str) -> bool:
    with redis_client.Redis(unix_socket_path=str(redis.sock)) as raw:
        return bool(raw.exists(JOB_KEY + job_id(document_id)))  # type: ignore[arg-type]


def ready_events(ws: Any, document_ids: set[str]) -> dict[str, list[str]]:
    """Event types per document until each of them is ready (pings, every second here, let
    the deadline be checked)."""
    seen: dict[str, list[str]] = {document_id: [] for document_id in document_ids}
    deadline = time.monotonic() + EVENTS_DEADLINE_S
    while not all(kinds and kinds[-1] == "document.ready" for kinds in seen.values()):
        assert time.monotonic() < deadline, seen
        event = ws.receive_json()
        if event["type"].startswith("document."):
            seen[event["data"]["document_id"]].append(event["type"])
    return seen


@pytest.mark.timeout(240)
def test_no_job_or_event_is_lost_across_a_redis_restart(settings, embedder, data_dir):
    folder = data_dir / "redis-restart"
    # A database of its own too: the session's worker reconciles every queued document of the
    # database it serves, and would take these jobs (and send their events to another Redis).
    postgres = OwnPostgres(folder)
    fast_pings = settings.model_copy(
        update={"events_ping_s": 1.0, "database_url": postgres.start()}
    )
    with contextlib.ExitStack() as stack:
        stack.callback(postgres.stop)
        client, redis = stack.enter_context(app_on_own_redis(fast_pings, embedder, folder))
        log_path = folder / "worker.log"
        own = fast_pings.model_copy(update={"redis_url": redis.url})
        worker, paused = start_worker(worker_env(own), log_path), False
        try:
            wait_for_log(log_path, WORKER_READY, worker, timeout=120)
            headers = register(client)
            with client.websocket_connect("/api/v1/events", headers=headers) as ws:
                assert ws.receive_json()["type"] == "subscribed"
                before = upload(client, headers, "before.md", notes("before")).json()["id"]
                assert ready_events(ws, {before})[before][-1] == "document.ready"

                # Paused until the client is back, so that no event is published while it is
                # away (the web app lists its documents again on a reconnect for those).
                worker.send_signal(signal.SIGSTOP)
                paused = True
                # Enqueued just before the restart, and not yet taken by the worker.
                queued = upload(client, headers, "queued.md", notes("queued")).json()["id"]
                assert queued_in_redis(redis, queued)
                redis.stop()
                # A silent socket would be the bug: it closes, and the client reconnects.
                with pytest.raises(WebSocketDisconnect) as closed:
                    while True:
                        ws.receive_json()
                assert closed.value.code == 1011

            during = upload(client, headers, "during.md", notes("during"))
            assert during.status_code == 202, during.text
            wipe(redis)
            redis.start()
            assert not queued_in_redis(redis, queued), "the restart must have lost the job"

            with client.websocket_connect("/api/v1/events", headers=headers) as ws:
                assert ws.receive_json()["type"] == "subscribed"
                after = upload(client, headers, "after.md", notes("after")).json()["id"]
                worker.send_signal(signal.SIGCONT)
                paused = False
                lost = {queued, during.json()["id"]}
                seen = ready_events(ws, {after, *lost})
            for document_id in (after, *lost):
                assert wait_terminal(client, headers, document_id)["status"] == "ready"
            assert "document.progress" in seen[after], seen
            assert worker.poll() is None, "the worker must ride out the restart"
        finally:
            if paused:
                worker.send_signal(signal.SIGCONT)
            stop_worker(worker)
