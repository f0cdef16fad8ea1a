"""An upload's reading, hashing and type detection run off the event loop: a DOCX whose zip
holds 10^5 entries does not hold up other requests while it is accepted."""

from __future__ import annotations

import io
import threading
import time
import zipfile

from tests.conftest import register, upload

ENTRIES = 100_000
# Generous: detecting this file's type takes 0.6-1.3 s of the loop when done on it; off the
# loop the slowest health check during the upload took 0.04-0.12 s here.
MAX_STALL_S = 0.4


def many_entry_docx() -> bytes:
    """A DOCX-looking zip: the main part, then ENTRIES empty parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for i in range(ENTRIES):
            archive.writestr(f"word/media/part{i:06d}.xml", b"")
    return buffer.getvalue()


def health_latencies_during_upload(client, headers: dict[str, str], data: bytes) -> list[float]:
    """How long each health check took while the upload was being accepted."""
    latencies: list[float] = []
    uploading = threading.Event()
    done = threading.Event()
    result: dict[str, object] = {}

    def send() -> None:
        uploading.set()
        result["response"] = upload(client, headers, "many-parts.docx", data)
        done.set()

    sender = threading.Thread(target=send)
    sender.start()
    uploading.wait()
    while not done.is_set():
        started = time.perf_counter()
        assert client.get("/api/v1/health/live").status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.01)
    sender.join()

    response = result["response"]
    assert response.status_code in (200, 202), response.text  # type: ignore[attr-defined]
    document_id = response.json()["id"]  # type: ignore[attr-defined]
    client.delete(f"/api/v1/documents/{document_id}", headers=headers)  # spare the worker
    assert len(latencies) >= 5, latencies
    return latencies


def test_health_answers_while_a_many_entry_docx_is_uploaded(client):
    headers = register(client)
    data = many_entry_docx()
    # Done on the loop, the detection stalls every try; a loaded machine can stall one check
    # once for its own reasons, so a clean second try passes (the first is reported if not).
    tries = [health_latencies_during_upload(client, headers, data) for _ in range(1)]
    if max(tries[0]) >= MAX_STALL_S:
        tries.append(health_latencies_during_upload(client, headers, data))
    assert max(tries[-1]) < MAX_STALL_S, [sorted(t)[-5:] for t in tries]
