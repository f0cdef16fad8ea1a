"""Prometheus metrics: `GET /metrics` on the API, the worker's own port, on the real stack."""

from __future__ import annotations

import signal
import socket
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from tests.conftest import (
    ingest,
    next_event,
    register,
    scripted_tutor_app,
    start_worker,
    stop_worker,
    upload,
    wait_terminal,
    worker_env,
)
from tests.scripted_chat import ScriptedChatModel

TOKEN = "scrape-me-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
NOTE = b"""# Photosynthesis

Photosynthesis turns light energy into chemical energy. Chloroplasts hold chlorophyll, the
green pigment that absorbs red and blue light.
"""

Samples = list[tuple[str, dict[str, str], float]]


def parse(text: str) -> Samples:
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    return sum(v for n, ls, v in samples if n == name and labels.items() <= ls.items())


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


@pytest.fixture(scope="module")
def metered(settings, embedder, worker, scripted_model) -> Iterator[TestClient]:
    """An API with metrics on (a token set), its tutor on the scripted model."""
    del worker
    with scripted_tutor_app(
        settings, embedder, scripted_model, metrics_token=SecretStr(TOKEN)
    ) as client:
        yield client


def test_metrics_are_off_without_a_token_setting(client):
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_metrics_need_the_token(metered):
    assert metered.get("/metrics").status_code == 401
    wrong = metered.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_token"
    student = register(metered)  # a student's own token is not the scraper's
    assert metered.get("/metrics", headers=student).status_code == 401


def test_requests_are_timed_by_route_template_never_by_raw_path(metered):
    headers = register(metered)
    document = ingest(metered, headers, "leaves.md", NOTE)
    assert document["status"] == "ready"
    before = scrape(metered)
    for _ in range(3):
        assert metered.get(f"/api/v1/documents/{document['id']}", headers=headers).is_success
    metered.get("/no/such/page-12345")
    after = scrape(metered)

    route = "/api/v1/documents/{document_id}"
    count = "tutor_http_request_duration_seconds_count"
    labels = {"method": "GET", "route": route, "status": "200"}
    assert value(after, count, **labels) - value(before, count, **labels) == 3
    total = value(after, "tutor_http_request_duration_seconds_sum", **labels)
    assert 0 < total < 60
    assert value(after, count, route="unmatched", status="404") >= 1
    every_label = {v for _, ls, _ in after for v in ls.values()}
    assert not any(document["id"] in v or "page-12345" in v for v in every_label)


def test_queue_depth_is_read_from_the_database(metered, worker):
    headers = register(metered)
    worker.send_signal(signal.SIGSTOP)  # nothing takes the uploads off the queue meanwhile
    try:
        before = value(scrape(metered), "tutor_ingestion_queue_depth", status="queued")
        ids = [
            upload(metered, headers, f"q{n}.md", NOTE + f"copy {n}".encode()).json()["id"]
            for n in range(3)
        ]
        queued = value(scrape(metered), "tutor_ingestion_queue_depth", status="queued")
    finally:
        worker.send_signal(signal.SIGCONT)
    assert queued == before + 3
    for document_id in ids:
        assert wait_terminal(metered, headers, document_id)["status"] == "ready"
    samples = scrape(metered)
    assert value(samples, "tutor_ingestion_queue_depth", status="queued") <= before
    assert value(samples, "tutor_ingestion_queue_depth", status="processing") >= 0


def test_websockets_are_counted_while_open(metered):
    headers = register(metered)
    with metered.websocket_connect("/api/v1/events", headers=headers) as ws:
        assert next_event(ws)["type"] == "subscribed"
        open_now = value(scrape(metered), "tutor_websocket_connections", socket="events")
        assert open_now >= 1
    deadline = time.monotonic() + 5
    while value(scrape(metered), "tutor_websocket_connections", socket="events") >= open_now:
        assert time.monotonic() < deadline, "the closed socket is still counted"
        time.sleep(0.05)


def test_tutor_answers_record_first_token_time_rate_and_generations(
    metered, chat: ScriptedChatModel
):
    headers = register(metered)
    ingest(metered, headers, "leaves.md", NOTE)
    before = scrape(metered)
    chat.script("Chlorophyll absorbs red and blue light [1].", delay_s=0.01)
    with metered.websocket_connect("/api/v1/tutor", headers=headers) as ws:
        ws.send_json({"type": "ask", "mode": "answer", "text": "What does chlorophyll absorb?"})
        during = None
        while (event := ws.receive_json())["type"] != "done":
            if event["type"] == "delta" and during is None:
                during = scrape(metered)
        assert event["data"]["status"] == "complete", event
    after = scrape(metered)

    assert during is not None
    assert value(during, "tutor_generations_in_flight") >= 1
    assert value(during, "tutor_websocket_connections", socket="tutor") >= 1
    assert value(after, "tutor_generations_in_flight") == 0
    for name in ("tutor_llm_time_to_first_token_seconds", "tutor_llm_tokens_per_second"):
        assert value(after, f"{name}_count") > value(before, f"{name}_count"), name
    first_token = value(after, "tutor_llm_time_to_first_token_seconds_sum") - value(
        before, "tutor_llm_time_to_first_token_seconds_sum"
    )
    assert 0 < first_token < 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def scrape_worker(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return parse(response.read().decode())


def wait_for(probe: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return probe()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_worker_counts_job_outcomes_on_its_own_port(metered, settings, worker, data_dir):
    port = free_port()
    headers = register(metered)
    # Pause the shared worker so the one with a metrics port takes the jobs.
    worker.send_signal(signal.SIGSTOP)
    env = worker_env(settings, TUTOR_WORKER_METRICS_PORT=str(port))
    counted = start_worker(env, data_dir / "metered-worker.log")
    try:
        before = wait_for(lambda: scrape_worker(port))
        assert value(before, "tutor_ingestion_jobs_total") == 0
        ready = ingest(metered, headers, "leaves.md", NOTE + b"\nA second copy, other bytes.\n")
        failed = ingest(metered, headers, "broken.pdf", b"%PDF-1.4\nnot really a pdf")
        after = scrape_worker(port)
    finally:
        stop_worker(counted)
        worker.send_signal(signal.SIGCONT)
    assert ready["status"] == "ready" and failed["status"] == "failed"
    assert value(after, "tutor_ingestion_jobs_total", outcome="ready") == 1
    assert value(after, "tutor_ingestion_jobs_total", outcome="failed") == 1
