"""The study jobs on a real arq worker in a thread of the test process, with the scripted model.

The session's worker is a separate process, so it cannot talk to a model scripted in this one.
While a test needs the scripted model, that worker is paused (SIGSTOP) and this one takes the
queue: the same registered functions (`study_functions`), the same queue, the same Redis and
PostgreSQL, with the scripted model given in the job context.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from arq.worker import Worker

from ingestion.queue import QUEUE_NAME
from tutor.job_codec import deserialize_job, serialize_job
from tutor.resources import opened
from tutor.runtime.study_jobs import study_functions
from tutor.settings import Settings

START_TIMEOUT_S = 30


async def _serve(
    settings: Settings, embedder: Any, model: Any, ready: threading.Event, stop: threading.Event
) -> None:
    async with opened(settings, migrate=False, redis=True, embedder=embedder) as resources:
        deps = SimpleNamespace(
            pool=resources.pool, redis=resources.redis, embedder=resources.embedder
        )
        worker = Worker(
            functions=study_functions(settings),
            queue_name=QUEUE_NAME,
            redis_pool=resources.redis,
            ctx={"deps": deps, "settings": settings, "chat_model": model},
            keep_result=0,
            poll_delay=0.05,
            handle_signals=False,
            job_serializer=serialize_job,
            job_deserializer=deserialize_job,
        )
        run = asyncio.create_task(worker.async_run())
        ready.set()
        while not stop.is_set() and not run.done():
            await asyncio.sleep(0.05)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        await worker.close()


@contextlib.contextmanager
def scripted_study_worker(
    settings: Settings, embedder: Any, model: Any, session_worker: subprocess.Popen[bytes]
) -> Iterator[None]:
    """Run the study jobs here, with `model`, while the session's worker is paused."""
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=lambda: asyncio.run(_serve(settings, embedder, model, ready, stop)),
        name="study-worker",
    )
    os.kill(session_worker.pid, signal.SIGSTOP)
    try:
        thread.start()
        assert ready.wait(START_TIMEOUT_S), "the in-process study worker did not start"
        yield
    finally:
        stop.set()
        thread.join(30)
        os.kill(session_worker.pid, signal.SIGCONT)
