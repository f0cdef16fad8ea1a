"""The parser child process: same chunks as parsing in place, errors per file, survives a crash."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from ingestion.chunking import Chunker
from ingestion.detection import detect_type
from ingestion.errors import CorruptDocument, EncryptedDocument
from ingestion.extraction import ExtractionReport, ExtractOptions, iter_sections
from ingestion.parser_process import ParseJob, ParserProcess
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def parser(embedder) -> Iterator[ParserProcess]:
    process = ParserProcess(copy.deepcopy(embedder.tokenizer), 200, 30)
    assert process.wait_ready()
    yield process
    process.close()


def parse(parser: ParserProcess, name: str, data: bytes, password: str | None = None):
    report, pages = ExtractionReport(), []
    job = ParseJob(data, name, ExtractOptions(password))
    chunks = list(parser.parse(job, report, lambda done, total: pages.append((done, total))))
    return chunks, report, pages


def test_same_chunks_as_parsing_in_place(parser, embedder):
    path = shared_file("documents/educational/R-intro.pdf")
    data = path.read_bytes()
    chunks, report, pages = parse(parser, path.name, data)
    here = ExtractionReport()
    chunker = Chunker(copy.deepcopy(embedder.tokenizer), 200, 30)
    expected = list(
        chunker.stream(iter_sections(data, detect_type(data, path.name), ExtractOptions(), here))
    )
    assert chunks == expected and len(chunks) > 100
    assert report.pages_total == here.pages_total == pages[-1][1] == len(pages)
    assert report.needs_ocr is False


def test_a_bad_file_fails_alone_and_the_next_one_parses(parser):
    locked = shared_file("documents/tricky/encrypted/password.pdf").read_bytes()
    with pytest.raises(EncryptedDocument):
        parse(parser, "locked.pdf", locked)
    chunks, _, _ = parse(parser, "locked.pdf", locked, password="password")
    assert chunks
    note = b"# Photosynthesis\n\nChlorophyll absorbs red and blue light."
    chunks, _, _ = parse(parser, "note.md", note)
    assert chunks[0].heading_path == ("Photosynthesis",) and "Chlorophyll" in chunks[0].text


def test_a_reader_that_stops_early_leaves_no_stale_messages(parser):
    data = shared_file("documents/educational/R-intro.pdf").read_bytes()
    job = ParseJob(data, "R-intro.pdf", ExtractOptions())
    stream = parser.parse(job, ExtractionReport(), lambda *_: None)
    next(stream)
    stream.close()  # the child still sends the rest of that document's messages
    note = b"Mitochondria produce ATP."
    chunks, _, _ = parse(parser, "note.txt", note)
    assert [c.text for c in chunks] == ["Mitochondria produce ATP."]


def test_a_dead_child_fails_that_file_and_is_restarted(parser):
    assert parser._process is not None
    parser._process.kill()
    parser._process.join()
    with pytest.raises(CorruptDocument):
        parse(parser, "note.txt", b"Ribosomes make proteins.")
    chunks, _, _ = parse(parser, "note.txt", b"Ribosomes make proteins.")
    assert [c.text for c in chunks] == ["Ribosomes make proteins."]


def test_a_hung_parse_is_killed_and_fails_that_file(embedder, monkeypatch):
    import ingestion.parser_process as module

    slow = ParserProcess(copy.deepcopy(embedder.tokenizer), 200, 30, stall_s=1.0)
    # The replacement child runs the same never-answering stand-in: waiting the real minute
    # for its "ready" would only slow the suite.
    monkeypatch.setattr(module, "READY_S", 2.0)
    try:
        # A child that takes a job and never answers stands in for pypdf stuck on a page.
        assert slow._process is not None
        slow._process.kill()
        slow._process.join()
        monkeypatch.setattr(module, "_serve", _never_answers)
        slow._start()
        assert not slow.wait_ready(timeout_s=1.0)
        with pytest.raises(CorruptDocument, match="no progress"):
            parse(slow, "note.txt", b"Ribosomes make proteins.")
    finally:
        slow.close()


def test_no_parser_process_where_none_can_start(embedder, monkeypatch):
    import ingestion.parser_process as module

    monkeypatch.setattr(module, "READY_S", 2.0)
    monkeypatch.setattr(module, "_serve", _dies_at_once)
    assert module.start_parser(copy.deepcopy(embedder.tokenizer), 200, 30) is None


def _dies_at_once(*_unused) -> None:
    raise SystemExit(3)


def _never_answers(tasks, *_unused) -> None:
    import time

    tasks.get()
    time.sleep(60)
