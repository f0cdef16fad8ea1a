"""SIGKILL mid-document: the job is retried and ends with exactly a clean run's chunks."""

import signal
import time

import psycopg

from ingestion.detection import detect_type
from ingestion.extraction import ExtractOptions, extract
from tests.conftest import register, shared_file, start_worker, upload, wait_terminal
from tests.conftest import worker_env as make_env


def _clean_run_texts(embedder, settings, data: bytes) -> list[str]:
    from ingestion.chunking import Chunker

    chunker = Chunker(embedder.tokenizer, settings.chunk_tokens, settings.chunk_overlap_tokens)
    extraction = extract(data, detect_type(data, "r.pdf"), ExtractOptions())
    return [chunk.text for chunk in chunker.chunk(extraction.sections)]


def _stored(settings, document_id: str) -> list[tuple[int, str]]:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute(
            "SELECT ordinal, text FROM chunks WHERE document_id = %s ORDER BY ordinal",
            (document_id,),
        ).fetchall()


def test_sigkilled_worker_resumes_without_duplicates_or_gaps(
    client, settings, embedder, worker, data_dir
):
    data = shared_file("documents/educational/R-intro.pdf").read_bytes()
    headers = register(client)
    # Pause the shared worker so the victim below is the one that takes the job.
    worker.send_signal(signal.SIGSTOP)
    try:
        # Small commit batches so the kill lands between two committed batches.
        env = make_env(settings, TUTOR_INGEST_BATCH_CHUNKS="32")
        victim = start_worker(env, data_dir / "victim.log")
        document_id = upload(client, headers, "R-intro.pdf", data).json()["id"]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            state = client.get(f"/api/v1/documents/{document_id}", headers=headers).json()
            if state["chunks_done"] > 0:
                break
            time.sleep(0.1)
        assert state["status"] == "processing" and state["chunks_done"] > 0, state
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        worker.send_signal(signal.SIGCONT)

    document = wait_terminal(client, headers, document_id, timeout=240)
    assert document["status"] == "ready", document
    stored = _stored(settings, document_id)
    expected = _clean_run_texts(embedder, settings, data)
    assert [ordinal for ordinal, _ in stored] == list(range(len(expected)))
    assert [text for _, text in stored] == expected
    assert document["chunks_total"] == len(expected)
