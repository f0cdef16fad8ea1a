"""Jobs travel through Redis as JSON, never pickles: a Redis one can write to cannot run code."""

from __future__ import annotations

import json
import pickle
import signal
import time

import redis

from ingestion.queue import job_id
from tests.conftest import register, upload, wait_terminal
from tutor.resources import redis_url

JOB_KEY = "arq:job:"


def test_a_job_enqueued_by_the_api_is_json_and_runs(client, settings, worker):
    headers = register(client)
    worker.send_signal(signal.SIGSTOP)  # so the job is still in Redis to be read
    try:
        response = upload(client, headers, "json.md", b"Quartz is harder than feldspar.")
        assert response.status_code == 202, response.text
        document_id = response.json()["id"]
        with redis.Redis.from_url(redis_url(settings)) as raw:
            payload = raw.get(JOB_KEY + job_id(document_id))
    finally:
        worker.send_signal(signal.SIGCONT)
    assert payload is not None and not payload.startswith(b"\x80")  # a pickle's first byte
    job = json.loads(payload)
    assert job["f"] == "ingest_document" and job["a"] == [document_id], job
    assert wait_terminal(client, headers, document_id, timeout=60)["status"] == "ready"


def test_a_pickled_job_is_refused_not_run():
    from tutor.job_codec import deserialize_job, serialize_job

    smuggled = pickle.dumps({"t": 1, "f": "ingest_document", "a": [], "k": {}, "et": 0})
    try:
        deserialize_job(smuggled)
    except ValueError:
        pass
    else:
        raise AssertionError("a pickle was accepted as a job")
    assert json.loads(serialize_job({"a": ("x",), "et": int(time.time() * 1000)}))["a"] == ["x"]
