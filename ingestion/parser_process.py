"""Parsing and chunking in a child process: isolated from the worker, and off its GIL.

A parser library that crashes (PDFium is C++) or hangs on a hostile file takes down only the
child, which is restarted; the document fails with `corrupt` and the worker carries on. The
child also keeps chunking's Python work (python-docx, the splitter) off the worker's GIL: with
pypdf, the PDF parser before PDFium, a parse of 3-4 CPU-seconds in a thread made a concurrent
encode 3.4-3.6 s slower, in a child process 1.0-1.3 s (measured, bfloat16 encoder). The child is
started once per worker, serves one document at a time, and streams back pages, chunks and
the extraction report as it goes, so encoding still starts before the last page is read.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import multiprocessing
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from ingestion.chunking import Chunk, Chunker
from ingestion.detection import detect_type
from ingestion.errors import CorruptDocument, IngestionError, TooComplex
from ingestion.extraction import ExtractionReport, ExtractOptions, iter_sections

log = logging.getLogger(__name__)

CHUNKS_PER_MESSAGE = 16
POLL_S = 0.5  # how often a waiting reader checks that the child is still alive
# A document that sends nothing (no page, no chunk) for this long has hung the parser: PDF
# libraries have had infinite loops on crafted files. The child is killed and restarted.
STALL_S = 120.0
READY_S = 60.0  # the child imports the parsers and loads the tokenizer first
PR_SET_PDEATHSIG = 1
STOPPED = "Reading the file stopped the parser"
OUT_OF_MEMORY = "Reading the file needed more memory than one document may use."


@dataclass(frozen=True)
class ParserLimits:
    """What one document may cost the child; None is no limit.

    `memory_bytes` caps the child's address space (RLIMIT_AS, set once it has loaded its
    libraries); `cpu_s` is each document's CPU time (RLIMIT_CPU, moved on per document: past
    it the kernel ends the child with SIGXCPU, even inside a C parser); `wall_s` is each
    document's time in all, enforced by the parent, which kills the child.
    """

    memory_bytes: int | None = None
    cpu_s: int | None = None
    wall_s: float | None = None


@dataclass(frozen=True)
class ParseJob:
    """One document to parse and chunk."""

    data: bytes
    filename: str
    options: ExtractOptions


class ParserProcess:
    """A child process that parses and chunks documents, one at a time, streaming results."""

    def __init__(
        self,
        tokenizer: Any,
        chunk_tokens: int,
        overlap_tokens: int,
        stall_s: float = STALL_S,
        limits: ParserLimits | None = None,
    ) -> None:
        self._limits = limits or ParserLimits()
        self._setup = (tokenizer, chunk_tokens, overlap_tokens, self._limits)
        self._stall_s = stall_s
        self._context = multiprocessing.get_context("spawn")  # never fork a threaded parent
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._job_id = 0
        self._start()

    def _start(self) -> None:
        if self._process is not None:  # a dead child's queues: never wait on them at exit
            self._tasks.cancel_join_thread()
            self._results.cancel_join_thread()
        self._tasks: Any = self._context.Queue()
        self._results: Any = self._context.Queue()
        # Only the queues go with the start: spawn writes a start's arguments to the child while
        # holding the pipe's read end itself, so a child that dies before reading a large
        # argument (the tokenizer) would block start() for ever. The queue's feeder thread
        # sends the setup instead.
        process = self._context.Process(
            target=_serve, args=(self._tasks, self._results), name="tutor-parser", daemon=True
        )
        process.start()
        self._tasks.put(self._setup)
        self._process = process

    @property
    def pid(self) -> int | None:
        """The child's process id, while it runs."""
        return self._process.pid if self._process is not None else None

    def wait_ready(self, timeout_s: float | None = None) -> bool:
        """Whether the child came up and can take documents (False as soon as it dies)."""
        deadline = time.monotonic() + (READY_S if timeout_s is None else timeout_s)
        while time.monotonic() < deadline:
            try:
                sender, kind, _ = self._results.get(timeout=POLL_S)
                return (sender, kind) == (0, "ready")
            except queue.Empty:
                if self._process is None or not self._process.is_alive():
                    return False
        return False

    def parse(
        self, job: ParseJob, report: ExtractionReport, on_page: Callable[[int, int], None]
    ) -> Iterator[Chunk]:
        """The document's chunks in order; pages are reported and `report` filled as it goes.

        Raises the document's IngestionError, or CorruptDocument when the child dies on it
        (the child is then restarted for the next document). Blocking: call from a thread.
        """
        with self._lock:
            self._job_id += 1
            self._tasks.put((self._job_id, job))
            wall_s = self._limits.wall_s
            deadline = None if wall_s is None else time.monotonic() + wall_s
            while True:
                kind, payload = self._next(self._job_id, deadline)
                if kind == "page":
                    on_page(*payload)
                elif kind == "chunks":
                    yield from payload
                elif kind == "done":
                    report.pages_total = payload.pages_total
                    report.needs_ocr = payload.needs_ocr
                    report.warnings[:] = payload.warnings
                    return
                else:
                    raise payload

    def _next(self, job_id: int, deadline: float | None) -> tuple[str, Any]:
        """The job's next message; a reader that stopped early leaves others to skip."""
        waited = 0.0
        while True:
            try:
                sender, kind, payload = self._results.get(timeout=POLL_S)
            except queue.Empty:
                waited += POLL_S
                if (failure := self._dead_or_stalled(waited)) is not None:
                    return failure
            else:
                if sender == job_id:
                    return kind, payload
            if deadline is not None and time.monotonic() >= deadline:
                log.error("the parser took over %.0f s on one document", self._limits.wall_s)
                message = f"Reading the file took longer than {self._limits.wall_s:.0f} s."
                return self._restart(TooComplex(message))

    def _dead_or_stalled(self, waited: float) -> tuple[str, Any] | None:
        """A failure for the job when the child died or stalled; else None."""
        assert self._process is not None
        if not self._process.is_alive():
            code = self._process.exitcode
            log.error("the parser died (exit code %s)", code)
            if code == -signal.SIGXCPU:
                cpu_s = self._limits.cpu_s
                return self._restart(TooComplex(f"Reading the file took over {cpu_s} CPU s."))
            if code == -signal.SIGABRT and self._limits.memory_bytes is not None:
                # Native code (the tokenizer's Rust, PDFium's C++) aborts when an allocation
                # fails; Python code raises MemoryError, handled in the child.
                return self._restart(TooComplex(OUT_OF_MEMORY))
            return self._restart(CorruptDocument(f"{STOPPED}; the file may be damaged."))
        if waited >= self._stall_s:
            log.error("the parser made no progress for %.0f s", waited)
            message = f"Reading the file made no progress for {waited:.0f} s"
            return self._restart(CorruptDocument(f"{message}; the file may be damaged."))
        return None

    def _restart(self, error: IngestionError) -> tuple[str, Any]:
        """Replace the child; the document it was on fails with `error`."""
        assert self._process is not None
        self._process.kill()  # a no-op on a dead child
        self._process.join()
        self._start()
        # Ready before the next document is timed: its budget is not the child's start.
        if not self.wait_ready():
            log.error("the restarted parser did not come up")
        return "error", error

    def close(self) -> None:
        """Stop the child."""
        if self._process is None:
            return
        with contextlib.suppress(Exception):
            self._tasks.put(None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._tasks.cancel_join_thread()
        self._results.cancel_join_thread()
        self._process = None


def start_parser(
    tokenizer: Any, chunk_tokens: int, overlap_tokens: int, limits: ParserLimits | None = None
) -> ParserProcess | None:
    """A ready parser process, or None (parse in a thread) when one cannot start here."""
    try:
        parser = ParserProcess(tokenizer, chunk_tokens, overlap_tokens, limits=limits)
    except (OSError, RuntimeError) as exc:
        log.warning("no parser process (%s); parsing in a thread", exc)
        return None
    if parser.wait_ready():
        return parser
    log.warning("the parser process did not start; parsing in a thread")
    parser.close()
    return None


def _serve(tasks: Any, results: Any) -> None:
    """The child's loop: parse each job, stream its messages, until told to stop."""
    _die_with_parent()
    tokenizer, chunk_tokens, overlap, limits = tasks.get()
    from transformers.utils import logging as transformers_logging

    # As in the worker: chunking measures whole sections, so "longer than the model's maximum"
    # is expected here and is not a problem.
    transformers_logging.set_verbosity_error()
    chunker = Chunker(tokenizer, chunk_tokens, overlap)
    if limits.memory_bytes is not None:  # after the imports: they are not the document's cost
        _set_limit(resource.RLIMIT_AS, limits.memory_bytes)
    results.put((0, "ready", None))
    while (task := tasks.get()) is not None:
        job_id, job = task

        def send(kind: str, payload: Any, job_id: int = job_id) -> None:
            results.put((job_id, kind, payload))

        if limits.cpu_s is not None:
            _set_limit(resource.RLIMIT_CPU, math.ceil(_cpu_used()) + limits.cpu_s)
        try:
            _parse(job, chunker, send)
        except IngestionError as exc:
            send("error", exc)
        except MemoryError:
            send("error", TooComplex(OUT_OF_MEMORY))
        except Exception as exc:  # a parser bug on one file must fail that file, not the worker
            log.exception("parsing %s crashed", job.filename)
            send("error", CorruptDocument(f"The file could not be read ({type(exc).__name__})."))


def _set_limit(which: int, soft: int) -> None:
    """Lower the soft limit only: an unprivileged child can move it again for the next
    document, which a lowered hard limit would forbid."""
    _, hard = resource.getrlimit(which)
    resource.setrlimit(which, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def document_chunks(
    data: bytes,
    filename: str,
    options: ExtractOptions,
    chunker: Chunker,
    report: ExtractionReport,
    on_page: Callable[[int, int], None],
) -> Iterator[Chunk]:
    """Detect, extract and chunk one document, as the child does (and the thread fallback)."""
    sections = iter_sections(data, detect_type(data, filename), options, report, on_page)
    return chunker.stream(sections)


def _parse(job: ParseJob, chunker: Chunker, send: Callable[[str, Any], None]) -> None:
    report = ExtractionReport()

    def on_page(done: int, total: int) -> None:
        send("page", (done, total))

    batch: list[Chunk] = []
    for chunk in document_chunks(job.data, job.filename, job.options, chunker, report, on_page):
        batch.append(chunk)
        if len(batch) == CHUNKS_PER_MESSAGE:
            send("chunks", batch)
            batch = []
    if batch:
        send("chunks", batch)
    send("done", report)


def _die_with_parent() -> None:
    """A worker killed with SIGKILL must not leave its parser behind (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
