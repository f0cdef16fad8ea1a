"""Prometheus instruments shared by the API, the tutor and the worker.

prometheus_client keeps instruments in one registry per process, so they are defined here
once, at import, as its documentation does; each process exposes its own: the API at
`GET /metrics` (`api/metrics.py`), the worker on `TUTOR_WORKER_METRICS_PORT`. Labels hold
route templates and small fixed vocabularies only, never ids or raw paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram
from psycopg import AsyncConnection
from psycopg.rows import class_row

# Most requests take milliseconds; uploads and sign-ins (argon2) take up to seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# The local model reads its prompt for seconds before the first token; hosted ones do not.
FIRST_TOKEN_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
TOKEN_RATE_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0)

REQUEST_SECONDS = Histogram(
    "tutor_http_request_duration_seconds",
    "HTTP request latency, by route template and status.",
    ("method", "route", "status"),
    buckets=LATENCY_BUCKETS,
)
WEBSOCKETS = Gauge(
    "tutor_websocket_connections", "Open websocket connections, by socket.", ("socket",)
)
QUEUE_DEPTH = Gauge(
    "tutor_ingestion_queue_depth",
    "Documents waiting for or being ingested (all workers; read from PostgreSQL at scrape).",
    ("status",),
)
JOBS = Counter(
    "tutor_ingestion_jobs",
    "Ingestion jobs this worker process finished, by outcome.",
    ("outcome",),
)
FIRST_TOKEN_SECONDS = Histogram(
    "tutor_llm_time_to_first_token_seconds",
    "From sending a prompt to the model's first streamed text.",
    buckets=FIRST_TOKEN_BUCKETS,
)
TOKENS_PER_SECOND = Histogram(
    "tutor_llm_tokens_per_second",
    "Completion tokens per second of a streamed model call, after its first token.",
    buckets=TOKEN_RATE_BUCKETS,
)
GENERATIONS = Gauge(
    "tutor_generations_in_flight", "Tutor answers being written (or waiting for a slot)."
)

QUEUE_STATUSES = ("queued", "processing")
QUEUE_COUNTS = """
SELECT status, count(*)::int AS documents FROM documents
WHERE status IN ('queued', 'processing')
GROUP BY status
"""


@dataclass
class StatusCount:
    """How many documents have one status."""

    status: str
    documents: int


async def refresh_queue_depth(conn: AsyncConnection) -> None:
    """Set the queue-depth gauge from the documents table (every worker's queue at once)."""
    cur = conn.cursor(row_factory=class_row(StatusCount))
    await cur.execute(QUEUE_COUNTS)
    counts = {row.status: row.documents for row in await cur.fetchall()}
    for status in QUEUE_STATUSES:
        QUEUE_DEPTH.labels(status).set(counts.get(status, 0))


def observe_stream(first_token_s: float | None, tokens: int, streaming_s: float) -> None:
    """Record one streamed model call: its wait for a first token and its decoding rate."""
    if first_token_s is not None:
        FIRST_TOKEN_SECONDS.observe(first_token_s)
    # One token tells no rate; a call cut short after it would read as absurdly fast.
    if tokens > 1 and streaming_s > 0:
        TOKENS_PER_SECOND.observe(tokens / streaming_s)
