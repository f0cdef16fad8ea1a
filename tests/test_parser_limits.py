"""A document that costs the parser child too much memory, CPU or time fails alone with
`too_complex`; the child is back for the next document, and the worker carries on."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingestion.errors import TooComplex
from ingestion.parser_process import ParserLimits, ParserProcess
from tests.conftest import (
    ingest,
    register,
    start_worker,
    stop_worker,
    upload,
    wait_terminal,
    worker_env,
)
from tests.test_parser_process import parse
from tests.test_worker_faults import WORKER_READY, wait_for_log

NOTE = b"Ribosomes make proteins."
# 6 MB of prose: seconds of splitting and tokenising, where a real document takes under one.
LONG_TEXT = b"Ribosomes read messenger RNA and join amino acids into proteins. " * 100_000
MIB = 1024 * 1024


def address_space(pid: int | None) -> int:
    """The process's virtual memory size in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmSize for {pid}")


@pytest.fixture
def limited(embedder, request) -> Iterator[ParserProcess]:
    process = ParserProcess(copy.deepcopy(embedder.tokenizer), 200, 30, limits=request.param)
    assert process.wait_ready()
    yield process
    process.close()


def test_default_memory_limit_leaves_the_ready_child_room(embedder, settings):
    process = ParserProcess(copy.deepcopy(embedder.tokenizer), 200, 30)
    try:
        assert process.wait_ready()
        assert address_space(process.pid) < settings.parser_memory_mb * MIB / 2
    finally:
        process.close()


@pytest.mark.parametrize("limited", [ParserLimits(cpu_s=1)], indirect=True)
def test_a_document_over_its_cpu_seconds_fails_alone(limited):
    with pytest.raises(TooComplex, match="CPU"):
        parse(limited, "long.txt", LONG_TEXT)
    chunks, _, _ = parse(limited, "note.txt", NOTE)
    assert [c.text for c in chunks] == [NOTE.decode()]


@pytest.mark.parametrize("limited", [ParserLimits(wall_s=1.0)], indirect=True)
def test_a_document_over_its_time_fails_alone(limited):
    with pytest.raises(TooComplex, match="longer than 1 s"):
        parse(limited, "long.txt", LONG_TEXT)
    chunks, _, _ = parse(limited, "note.txt", NOTE)
    assert [c.text for c in chunks] == [NOTE.decode()]


def test_a_document_over_its_memory_fails_alone(embedder):
    process = ParserProcess(copy.deepcopy(embedder.tokenizer), 200, 30)
    assert process.wait_ready()
    room = address_space(process.pid) + 256 * MIB  # the ready child plus a little
    process.close()
    limited = ParserProcess(
        copy.deepcopy(embedder.tokenizer), 200, 30, limits=ParserLimits(memory_bytes=room)
    )
    try:
        assert limited.wait_ready()
        # 18 MB of text: decoded, split and tokenised, it needs far more than 256 MiB.
        huge = b"Words about ribosomes and proteins. " * 500_000
        with pytest.raises(TooComplex, match="memory"):
            parse(limited, "huge.txt", huge)
        chunks, _, _ = parse(limited, "note.txt", NOTE)
        assert [c.text for c in chunks] == [NOTE.decode()]
    finally:
        limited.close()


def test_the_worker_fails_the_costly_file_and_carries_on(client, settings, worker, data_dir):
    import signal

    headers = register(client)
    log_path = data_dir / "limited-worker.log"
    worker.send_signal(signal.SIGSTOP)  # only the limited worker takes these jobs
    limited = start_worker(worker_env(settings, TUTOR_PARSER_CPU_S="1"), log_path)
    try:
        wait_for_log(log_path, WORKER_READY, limited, timeout=120)
        costly = upload(client, headers, "long.txt", LONG_TEXT).json()["id"]
        failed = wait_terminal(client, headers, costly, timeout=120)
        assert failed["status"] == "failed", failed
        assert failed["error"]["code"] == "too_complex", failed
        assert ingest(client, headers, "note.txt", NOTE)["status"] == "ready"
        assert limited.poll() is None
    finally:
        stop_worker(limited)
        worker.send_signal(signal.SIGCONT)
