"""Upload → worker → ready → search, for every supported format, on the real stack."""

import pytest

from tests.conftest import ingest, next_event, register, shared_file, upload, wait_terminal
from tutor.events import ENVELOPE_KEYS

CASES = [
    # (file under ../shared/data, query, text expected in a top-3 hit)
    ("documents/layout/multi_page.pdf", "LaTeX for scientific papers", "LaTeX"),
    ("documents/layout/word_sample.docx", "swimming in the lake", "swim"),
    ("documents/expected-output/multi_page.docling.md", "future of word processors", "AI"),
    ("documents/licenses/docling_MIT.txt", "permission to deal in the software", "Software"),
]


@pytest.mark.parametrize(("relative", "query", "expected"), CASES)
def test_upload_ingest_and_search(client, relative, query, expected):
    headers = register(client)
    path = shared_file(relative)
    document = ingest(client, headers, path.name, path.read_bytes())
    assert document["status"] == "ready", document
    assert document["chunks_total"] == document["chunks_done"] > 0
    assert document["progress"] == 1.0

    for mode in ("hybrid", "dense", "fts"):
        hits = client.get(
            "/api/v1/search", params={"q": query, "k": 3, "mode": mode}, headers=headers
        ).json()["items"]
        assert hits, f"{mode} found nothing"
        assert hits[0]["document_id"] == document["id"]
        assert any(expected in hit["text"] for hit in hits), (mode, hits)


def test_pdf_hits_carry_pages_and_headings(client):
    headers = register(client)
    path = shared_file("documents/tricky/encrypted/copy-protected.pdf")
    document = ingest(client, headers, path.name, path.read_bytes())
    assert document["status"] == "ready"
    hits = client.get(
        "/api/v1/search", params={"q": "document image analysis toolkit"}, headers=headers
    ).json()["items"]
    assert hits[0]["page_start"] in (1, 2)
    assert hits[0]["page_end"] >= hits[0]["page_start"]
    assert hits[0]["filename"] == "copy-protected.pdf"


def test_markdown_headings_become_the_heading_path(client):
    headers = register(client)
    notes = b"# Biology\n\n## Cells\n\nMitochondria are the powerhouse of the cell.\n"
    document = ingest(client, headers, "bio.md", notes)
    hits = client.get("/api/v1/search", params={"q": "mitochondria"}, headers=headers).json()
    assert hits["items"][0]["heading_path"] == ["Biology", "Cells"]
    assert hits["items"][0]["document_id"] == document["id"]


def test_unchanged_reupload_is_recognised_and_not_reprocessed(client):
    headers = register(client)
    content = b"Osmosis is the diffusion of water across a semi-permeable membrane."
    first = ingest(client, headers, "osmosis.txt", content)
    again = upload(client, headers, "renamed.txt", content)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["duplicate"] is True
    assert again.json()["status"] == "ready"
    assert again.json()["ready_at"] == first["ready_at"]


def test_list_is_paginated_newest_first(client):
    headers = register(client)
    ids = [
        upload(client, headers, f"n{i}.txt", f"note number {i}".encode()).json()["id"]
        for i in range(5)
    ]
    for document_id in ids:
        wait_terminal(client, headers, document_id)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/documents", params=params, headers=headers).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_delete_removes_the_document_and_its_chunks(client):
    headers = register(client)
    document = ingest(client, headers, "gone.txt", b"Quokkas live on Rottnest Island.")
    assert client.get("/api/v1/search", params={"q": "quokka"}, headers=headers).json()["items"]
    assert client.delete(f"/api/v1/documents/{document['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/documents/{document['id']}", headers=headers).status_code == 404
    assert not client.get("/api/v1/search", params={"q": "quokka"}, headers=headers).json()["items"]


def test_search_can_be_limited_to_one_document(client):
    headers = register(client)
    first = ingest(client, headers, "a.txt", b"Volcanoes erupt molten rock called lava.")
    ingest(client, headers, "b.txt", b"Lava cools into igneous rock such as basalt.")
    hits = client.get(
        "/api/v1/search", params={"q": "lava", "document_id": first["id"]}, headers=headers
    ).json()["items"]
    assert {hit["document_id"] for hit in hits} == {first["id"]}


def test_events_stream_reports_progress_and_ready(client):
    headers = register(client)
    with client.websocket_connect("/api/v1/events", headers=headers) as ws:
        subscribed = ws.receive_json()
        assert set(subscribed) == ENVELOPE_KEYS and subscribed["type"] == "subscribed"
        document_id = upload(client, headers, "ev.txt", b"Events are pushed live.").json()["id"]
        kinds: list[str] = []
        while not kinds or kinds[-1] not in ("document.ready", "document.failed"):
            event = next_event(ws)
            assert set(event) == ENVELOPE_KEYS, event
            assert event["data"]["document_id"] == document_id
            kinds.append(event["type"])
    assert "document.progress" in kinds
    assert kinds[-1] == "document.ready"


def test_events_need_a_token(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/api/v1/events") as ws:
            ws.receive_json()
    assert closed.value.code == 4401
