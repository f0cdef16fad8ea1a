"""Document overviews on the real stack: made by the worker from the document's own text, shown
to its owner only, made again where missing, and gone with the document."""

import asyncio
import logging
import re
from uuid import uuid4

import psycopg

from ingestion.detection import FileType
from ingestion.extraction import ExtractionReport, ExtractOptions, iter_sections
from ingestion.overview import refresh_missing_overviews, refresh_overview, try_build_overview
from tests.conftest import ingest, register, shared_file
from tutor.resources import open_pool

NOTES = (
    b"Photosynthesis turns light energy into chemical energy in the chloroplasts of a leaf. "
    b"The light-dependent reactions split water and release oxygen in the thylakoid membranes. "
    b"The Calvin cycle then fixes carbon dioxide into sugar in the stroma of the chloroplasts. "
    b"The enzyme RuBisCO catalyses that first step of the Calvin cycle in every green plant. "
    b"Without photosynthesis in chloroplasts there would be no oxygen in the air we breathe.\n"
)


def letters(text: str) -> str:
    """Only the letters, lowercased: sentences join lines and hyphenated words again."""
    return "".join(c for c in text.lower() if c.isalpha())


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower())


def overview_url(document: dict) -> str:
    return f"/api/v1/documents/{document['id']}/overview"


def run_sql(settings, sql: str, params: dict) -> int:
    async def run() -> int:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    return asyncio.run(run())


def test_a_pdf_gets_a_summary_and_concepts_from_its_own_pages(client):
    pdf = shared_file("documents/educational/amt_handbook_sample.pdf")
    headers = register(client)
    document = ingest(client, headers, pdf.name, pdf.read_bytes())
    assert document["status"] == "ready"

    response = client.get(overview_url(document), headers=headers)
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["document_id"] == document["id"] and overview["computed_ms"] > 0
    sections = list(
        iter_sections(pdf.read_bytes(), FileType.PDF, ExtractOptions(), ExtractionReport())
    )
    whole = letters(" ".join(s.text for s in sections))
    summary = overview["summary"]
    assert 3 <= len(summary) <= 6
    for sentence in summary:
        pages = [
            s.text
            for s in sections
            if sentence["page_start"] <= s.page_start <= sentence["page_end"]
        ]
        assert letters(sentence["text"]) in letters(" ".join(pages)), sentence
    places = [whole.find(letters(s["text"])) for s in summary]
    assert places == sorted(places), "sentences in reading order"

    concepts = overview["concepts"]
    assert 8 <= len(concepts) <= 12
    weights = [c["weight"] for c in concepts]
    assert weights[0] == 1.0 and weights == sorted(weights, reverse=True)
    text = spaced(" ".join(s.text for s in sections))
    assert all(spaced(c["term"]) in text for c in concepts), concepts
    assert "nut" in [c["term"] for c in concepts]


def test_only_the_owner_sees_the_overview_and_it_goes_with_the_document(client, settings):
    owner, other = register(client), register(client)
    document = ingest(client, owner, "photosynthesis.txt", NOTES)
    url = overview_url(document)

    mine = client.get(url, headers=owner)
    assert mine.status_code == 200
    assert "photosynthesis" in [c["term"] for c in mine.json()["concepts"]]
    assert all(s["page_start"] is None for s in mine.json()["summary"])  # text has no pages
    theirs = client.get(url, headers=other)
    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "document_not_found"
    missing = client.get(f"/api/v1/documents/{uuid4()}/overview", headers=owner)
    assert missing.json()["error"]["code"] == "document_not_found"

    assert client.delete(f"/api/v1/documents/{document['id']}", headers=owner).status_code == 204
    left = run_sql(
        settings,
        "SELECT 1 FROM document_overviews WHERE document_id = %(id)s",
        {"id": document["id"]},
    )
    assert left == 0
    assert client.get(url, headers=owner).json()["error"]["code"] == "document_not_found"


def test_a_missing_overview_is_not_ready_until_the_worker_makes_it(client, settings):
    headers = register(client)
    document = ingest(client, headers, "calvin.txt", NOTES.replace(b"leaf", b"plant leaf"))
    deleted = run_sql(
        settings,
        "DELETE FROM document_overviews WHERE document_id = %(id)s",
        {"id": document["id"]},
    )
    assert deleted == 1

    response = client.get(overview_url(document), headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "overview_not_ready"

    async def make_missing() -> int:
        pool = await open_pool(settings, max_size=2)
        try:
            return await refresh_missing_overviews(pool)
        finally:
            await pool.close()

    assert asyncio.run(make_missing()) >= 1
    assert client.get(overview_url(document), headers=headers).status_code == 200


def test_an_overview_that_cannot_be_made_or_stored_only_logs(settings, caplog):
    async def attempt():
        pool = await open_pool(settings, max_size=1)
        try:
            stored = await refresh_overview(pool, uuid4(), uuid4())  # no such document
        finally:
            await pool.close()
        built = await try_build_overview(pool, uuid4(), uuid4())  # the pool is closed
        return stored, built

    with caplog.at_level(logging.ERROR, logger="ingestion.overview"):
        assert asyncio.run(attempt()) == (None, None)
    assert "not stored" in caplog.text and "no overview for document" in caplog.text
