"""Ingestion throughput: our pipeline vs pure encoding, dedup re-uploads, and LangChain PGVector.

    python benchmarks/ingest.py [--data-dir DIR] [--bench-dir /tmp/bench-data/ingest]

Each file goes through the real pipeline in-process (`accept_upload`, then `pipeline.ingest`
with the worker's own deps), one after another so every file has its own wall time. The chunk
texts the pipeline embedded are then encoded again with the same embedder, alone, to give the
floor that ingestion can approach. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from accounts import delete_user, fresh_user
from run_info import postgres_cpu_s, print_load, process_cpu_s, source_state

from ingestion.chunking import Chunk, Chunker
from ingestion.embedding import bundled_model_path, submit_embedding
from ingestion.extraction import ExtractionReport, Section
from ingestion.parser_process import ParseJob, ParserProcess
from ingestion.pipeline import IngestionDeps, ingest
from ingestion.uploads import UploadLimits, accept_upload
from tutor.resources import database_url, opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps, worker_pool_size
from tutor.settings import Settings

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/documents/educational"
DEFAULT_FILES = ("R-intro.pdf", "GeoTopo-komprimiert.pdf", "handbook-872p.docx")
# LangChain's splitter counts characters: 200 tokens x ~4 characters, with our 15% overlap.
LC_CHUNK_CHARS = 800
LC_OVERLAP_CHARS = 120
LC_INSERT_BATCH = 1000  # one INSERT per batch; a single statement is capped at 65,535 parameters
MODEL_MAX_TOKENS = 256

LEGEND = """\
pages: PDF pages (a DOCX has none). Seconds: upload = accept_upload; 1st ch = until the first
chunk exists; parse = parsing + chunking (the parser process, overlapping embedding); embed =
while the encoder had the pipeline's batches queued; other = wall - upload - embed (waiting on
the parser, COPY with index upkeep, progress). encode = embedder.embed() alone on the same chunk
texts, in one call, same embedder, same run."""

CHUNK_COUNT = "SELECT count(*) FROM chunks WHERE document_id = %(id)s"
PAGE_COUNT = "SELECT pages_total FROM documents WHERE id = %(id)s"


class RecordingChunker(Chunker):
    """The pipeline's chunker, remembering what it produced and when.

    The pipeline pulls sections from the parser through `stream`, so the span of one `stream`
    is the parse-and-chunk time of the document, overlapping with embedding.
    """

    def __init__(self, tokenizer: Any, chunk_tokens: int, overlap_tokens: int) -> None:
        super().__init__(tokenizer, chunk_tokens, overlap_tokens)
        self.chunks: list[Chunk] = []
        self.started = self.first = self.finished = 0.0

    def stream(self, sections: Iterable[Section]) -> Iterator[Chunk]:
        """Chunk as usual; keep the chunks and the times."""
        self.chunks = []
        self.started = time.perf_counter()
        for chunk in super().stream(sections):
            if not self.chunks:
                self.first = time.perf_counter()
            self.chunks.append(chunk)
            yield chunk
        self.finished = time.perf_counter()


class RecordingParser:
    """The pipeline's parser process, timing the stream of chunks it sends back."""

    def __init__(self, inner: ParserProcess) -> None:
        self.inner = inner
        self.started = self.first = self.finished = 0.0

    def parse(self, job: ParseJob, report: ExtractionReport, on_page: Any) -> Iterator[Chunk]:
        """Parse as usual; keep the times."""
        self.started, self.first = time.perf_counter(), 0.0
        for chunk in self.inner.parse(job, report, on_page):
            self.first = self.first or time.perf_counter()
            yield chunk
        self.finished = time.perf_counter()


class TimedEmbedder:
    """The pipeline's embedder, timing how long the encoder worked for it, and the texts.

    The pipeline queues a batch before the last one is done, so calls overlap: the time is
    the union of the intervals from each call's start to its vectors' arrival.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.dim: int = inner.dim
        self.intervals: list[tuple[float, float]] = []
        self.texts: list[str] = []
        self.token_ids: list[Any] = []  # the chunker's ids the pipeline passed, when it did

    @property
    def tokenizer(self) -> Any:
        """The wrapped model's tokenizer."""
        return self.inner.tokenizer

    @property
    def seconds(self) -> float:
        """Seconds during which at least one call was being embedded."""
        total, reach = 0.0, float("-inf")
        for start, end in sorted(self.intervals):
            total += max(0.0, end - max(start, reach))
            reach = max(reach, end)
        return total

    def reset(self) -> None:
        """Forget the calls so far (a new file starts)."""
        self.intervals, self.texts, self.token_ids = [], [], []

    def embed(self, texts: list[str]) -> Any:
        """Embed through the wrapped model, timing it."""
        return self.submit(texts).result()

    def submit(self, texts: list[str], token_ids: Any = None) -> Future[Any]:
        """Queue through the wrapped model (or embed now, where it cannot queue), timing it."""
        started = time.perf_counter()
        self.texts += texts
        self.token_ids += token_ids if token_ids is not None else [None] * len(texts)
        future = submit_embedding(self.inner, texts, token_ids)

        def finished(_: Future[Any]) -> None:
            self.intervals.append((started, time.perf_counter()))

        future.add_done_callback(finished)
        return future


@dataclass
class CpuUse:
    """CPU seconds over one file's ingestion and over its pure encode."""

    ingest_self: float = 0.0
    ingest_parser: float = 0.0
    ingest_postgres: float = 0.0
    encode_self: float = 0.0


class CpuMeter:
    """Reads the CPU seconds of this process, the parser process and the Postgres server."""

    def __init__(self, parser: RecordingParser | None, pgdata: Path) -> None:
        self.parser, self.pgdata = parser, pgdata

    def read(self) -> tuple[float, float, float]:
        """(this process, parser process, Postgres) CPU seconds so far."""
        pid = self.parser.inner.pid if self.parser is not None else None
        parser = process_cpu_s(pid) if pid is not None else 0.0
        return time.process_time(), parser, postgres_cpu_s(self.pgdata)


@dataclass
class FileRun:
    """One file's first ingestion through our pipeline."""

    name: str
    status: str
    pages: int | None
    chunks: int
    wall_s: float
    upload_s: float
    first_chunk_s: float
    parse_s: float
    embed_s: float
    texts: list[str]
    token_ids: list[Any]
    encode_s: float = 0.0
    encode_ids_s: float = 0.0
    reupload_s: float = 0.0
    cpu: CpuUse | None = None

    @property
    def other_s(self) -> float:
        """Wall time outside upload and encoding: waiting for the parser, COPY, progress."""
        return self.wall_s - self.upload_s - self.embed_s


@dataclass
class LangChainRun:
    """One file through pypdf/python-docx, RecursiveCharacterTextSplitter and PGVector."""

    name: str
    chunks: int
    wall_s: float
    texts: list[str]


async def upload(deps: IngestionDeps, owner_id: UUID, path: Path, limits: UploadLimits) -> Any:
    """`accept_upload` as the API calls it (no Redis: the benchmark runs the job itself)."""
    data = path.read_bytes()
    async with deps.pool.connection() as conn:
        return await accept_upload(conn, None, owner_id, path.name, data, limits=limits)


async def ingest_file(
    deps: IngestionDeps, chunker: RecordingChunker, owner_id: UUID, path: Path, limits: UploadLimits
) -> FileRun:
    """Upload and ingest one file; the wall time covers both."""
    embedder = cast(TimedEmbedder, deps.embedder)
    embedder.reset()
    # Parsing runs in the parser process, or (TUTOR_PARSE_IN_PROCESS=false) in the chunker.
    timer = cast(RecordingParser | RecordingChunker, deps.parser or chunker)
    started = time.perf_counter()
    result = await upload(deps, owner_id, path, limits)
    uploaded = time.perf_counter()
    status = await ingest(deps, result.document.id)
    wall = time.perf_counter() - started
    async with deps.pool.connection() as conn:
        ids = {"id": result.document.id}
        row = await (await conn.execute(CHUNK_COUNT, ids)).fetchone()
        pages_row = await (await conn.execute(PAGE_COUNT, ids)).fetchone()
    return FileRun(
        name=path.name,
        status=status,
        pages=pages_row[0] if pages_row else None,
        chunks=int(row[0]) if row else 0,
        wall_s=wall,
        upload_s=uploaded - started,
        first_chunk_s=timer.first - uploaded,
        parse_s=timer.finished - timer.started,
        embed_s=embedder.seconds,
        texts=list(embedder.texts),  # the very texts the pipeline embedded
        token_ids=list(embedder.token_ids),
    )


async def time_reupload(
    deps: IngestionDeps, owner_id: UUID, path: Path, limits: UploadLimits
) -> float:
    """Seconds to accept unchanged bytes again (found by sha256, nothing re-ingested)."""
    started = time.perf_counter()
    result = await upload(deps, owner_id, path, limits)
    elapsed = time.perf_counter() - started
    if result.created:
        print(f"  !! {path.name}: re-upload was not deduplicated")
    return elapsed


def time_encode_ids(embedder: Any, texts: list[str], token_ids: list[Any]) -> float:
    """Seconds for the model alone, given the chunker's token ids (0 where it takes none)."""
    if any(ids is None for ids in token_ids) or not getattr(embedder, "takes_token_ids", False):
        return 0.0
    started = time.perf_counter()
    embedder.submit(texts, token_ids).result()
    return time.perf_counter() - started


def time_encode(embedder: Any, texts: list[str]) -> float:
    """Seconds for the embedder alone on these texts."""
    started = time.perf_counter()
    embedder.embed(texts)
    return time.perf_counter() - started


def rate(count: int | None, seconds: float) -> str:
    """count/s, or n/a when the count is unknown."""
    return f"{count / seconds:.1f}" if count and seconds > 0 else "n/a"


def print_ours(runs: Sequence[FileRun]) -> None:
    """The per-file table, totals and the wall/encode ratio."""
    print("\n== Our pipeline (accept_upload + pipeline.ingest), files one after another ==")
    print(
        f"{'file':<24}{'pages':>6}{'chunks':>7}{'wall s':>8}{'pages/s':>8}{'chunks/s':>9}"
        f"{'upload':>7}{'1st ch':>7}{'parse':>7}{'embed':>7}{'other':>7}{'encode':>7}"
        f"{'wall/enc':>9}"
    )
    for r in runs:
        if r.status != "ready":
            print(f"  !! {r.name} ended {r.status}")
        print(
            f"{r.name[:23]:<24}{r.pages or 'n/a':>6}{r.chunks:>7}{r.wall_s:8.2f}"
            f"{rate(r.pages, r.wall_s):>8}{rate(r.chunks, r.wall_s):>9}{r.upload_s:7.2f}"
            f"{r.first_chunk_s:7.2f}{r.parse_s:7.2f}{r.embed_s:7.2f}{r.other_s:7.2f}"
            f"{r.encode_s:7.2f}{r.wall_s / r.encode_s:9.3f}"
        )
    wall = sum(r.wall_s for r in runs)
    encode = sum(r.encode_s for r in runs)
    pages = sum(r.pages or 0 for r in runs)
    chunks = sum(r.chunks for r in runs)
    upload, first = sum(r.upload_s for r in runs), sum(r.first_chunk_s for r in runs)
    parse, embed = sum(r.parse_s for r in runs), sum(r.embed_s for r in runs)
    print(
        f"{'TOTAL':<24}{pages:>6}{chunks:>7}{wall:8.2f}{rate(pages, wall):>8}"
        f"{rate(chunks, wall):>9}{upload:7.2f}{first:7.2f}{parse:7.2f}{embed:7.2f}"
        f"{wall - upload - embed:7.2f}{encode:7.2f}{wall / encode:9.3f}"
    )
    print(LEGEND)
    print(f"total_ingest_wall / pure_encode = {wall:.2f} / {encode:.2f} = {wall / encode:.3f}")
    print("  target <= 1.15")
    from_ids = sum(r.encode_ids_s for r in runs)
    if from_ids and all(r.encode_ids_s for r in runs):
        print(
            f"the pipeline passes the chunker's token ids, so it does not tokenise the texts "
            f"again;\nthe model alone on those ids: {from_ids:.2f} s, and wall / that = "
            f"{wall / from_ids:.3f}"
        )


def print_cpu(runs: Sequence[FileRun]) -> None:
    """Where the CPU went: what ingestion spends beyond the encoder's own work."""
    cores = os.cpu_count() or 1
    print(f"\n== CPU seconds ({cores} cores): ingestion against the pure encode ==")
    print(
        f"{'file':<24}{'wall s':>8}{'this proc':>10}{'parser':>8}{'postgres':>9}"
        f"{'encode s':>10}{'this proc':>10}{'extra cpu':>10}"
    )
    rows = [(r.name, r.wall_s, r.encode_s, r.cpu) for r in runs if r.cpu is not None]
    summed = CpuUse(*(sum(getattr(r[3], f) for r in rows) for f in CpuUse.__dataclass_fields__))
    totals = ("TOTAL", sum(r[1] for r in rows), sum(r[2] for r in rows), summed)
    for name, wall, encode, cpu in [*rows, totals]:
        extra = cpu.ingest_self + cpu.ingest_parser + cpu.ingest_postgres - cpu.encode_self
        print(
            f"{name[:23]:<24}{wall:8.2f}{cpu.ingest_self:10.2f}{cpu.ingest_parser:8.2f}"
            f"{cpu.ingest_postgres:9.2f}{encode:10.2f}{cpu.encode_self:10.2f}{extra:10.2f}"
        )
    print(
        "this proc = the benchmark process (the encoder's threads, the pipeline); extra cpu = "
        "all of ingestion's CPU\nminus the pure encode's. Postgres counts its live processes."
    )


def print_dedup(runs: Sequence[FileRun]) -> None:
    """Re-upload of unchanged files against their first ingestion."""
    print("\n== Re-upload of unchanged files (dedup by sha256) ==")
    print(f"{'file':<26}{'first s':>9}{'re-upload ms':>14}{'speedup':>12}")
    for r in runs:
        speedup = r.wall_s / r.reupload_s
        print(f"{r.name[:25]:<26}{r.wall_s:9.2f}{r.reupload_s * 1000:14.2f}{speedup:11.0f}x")
    first = sum(r.wall_s for r in runs)
    again = sum(r.reupload_s for r in runs)
    print(
        f"all files: first {first:.2f} s, re-upload {again * 1000:.2f} ms, "
        f"{first / again:.0f}x faster  (target >= 20x)"
    )


def load_plain(path: Path) -> list[Any]:
    """LangChain Documents as PyPDFLoader (a page each) or a docx loader (one) would build."""
    from langchain_core.documents import Document

    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        # Postgres text cannot hold NUL, which pypdf emits for some glyphs (GeoTopo has them);
        # PGVector would fail the whole batch, so drop them as our chunk store does.
        return [
            Document(
                page_content=(page.extract_text() or "").replace("\x00", ""),
                metadata={"source": path.name, "page": i},
            )
            for i, page in enumerate(reader.pages)
        ]
    import docx

    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    return [Document(page_content=text, metadata={"source": path.name})]


def langchain_url(database_url: str) -> str:
    """Our postgresql:// URL in SQLAlchemy's psycopg 3 dialect."""
    return "postgresql+psycopg://" + database_url.split("://", 1)[1]


def langchain_ingest(paths: Sequence[Path], database_url: str) -> list[LangChainRun] | None:
    """The same files through a stock LangChain pipeline; None when it is not installed."""
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_postgres import PGVector
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as exc:
        print(f"\n== LangChain baseline skipped: {exc.name} is not installed ==")
        print("   see benchmarks/README.md for the install line")
        return None
    embeddings = HuggingFaceEmbeddings(
        model_name=bundled_model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
    )
    embeddings.embed_query("warm up")
    store = PGVector(
        embeddings,
        connection=langchain_url(database_url),
        collection_name=f"bench-{uuid.uuid4().hex[:8]}",
        use_jsonb=True,
    )
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=LC_CHUNK_CHARS, chunk_overlap=LC_OVERLAP_CHARS
    )
    runs = []
    try:
        for path in paths:
            started = time.perf_counter()
            splits = splitter.split_documents(load_plain(path))
            for first in range(0, len(splits), LC_INSERT_BATCH):
                store.add_documents(splits[first : first + LC_INSERT_BATCH])
            wall = time.perf_counter() - started
            runs.append(
                LangChainRun(path.name, len(splits), wall, [d.page_content for d in splits])
            )
    finally:
        store.delete_collection()
        store._engine.dispose()  # type: ignore[union-attr]
    return runs


def token_stats(tokenizer: Any, texts: list[str]) -> str:
    """Mean tokens per chunk and the share the model truncates."""
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]]
    over = sum(n > MODEL_MAX_TOKENS for n in lengths)
    mean_chars = sum(map(len, texts)) / len(texts)
    return (
        f"{mean_chars:6.0f} chars {sum(lengths) / len(lengths):5.0f} tok/chunk, "
        f"{over / len(lengths):5.1%} > {MODEL_MAX_TOKENS} tok"
    )


def print_langchain(
    ours: Sequence[FileRun], theirs: Sequence[LangChainRun], tokenizer: Any
) -> None:
    """Wall time side by side, with enough chunk statistics to judge comparability."""
    print(
        "\n== Ours vs LangChain (pypdf / python-docx -> RecursiveCharacterTextSplitter "
        f"{LC_CHUNK_CHARS}/{LC_OVERLAP_CHARS} chars -> PGVector.add_documents) =="
    )
    print(f"{'file':<26}{'ours s':>8}{'LC s':>8}{'speedup':>9}{'ours ch':>9}{'LC ch':>8}")
    for o, t in zip(ours, theirs, strict=True):
        print(
            f"{o.name[:25]:<26}{o.wall_s:8.2f}{t.wall_s:8.2f}{t.wall_s / o.wall_s:8.2f}x"
            f"{o.chunks:>9}{t.chunks:>8}"
        )
    for o, t in zip(ours, theirs, strict=True):
        print(f"  {o.name[:24]:<24} ours {token_stats(tokenizer, o.texts)}")
        print(f"  {'':<24} LC   {token_stats(tokenizer, t.texts)}")
    mine = sum(r.wall_s for r in ours)
    lc = sum(r.wall_s for r in theirs)
    print(
        f"total: ours {mine:.2f} s, LangChain {lc:.2f} s, ours is {lc / mine:.2f}x faster"
        "  (target >= 1.5x)"
    )


async def run(args: argparse.Namespace) -> None:
    """Every measurement, in one process against one embedded Postgres."""
    paths = [args.data_dir / name for name in args.files]
    settings = Settings(data_dir=args.bench_dir)
    if args.backend:
        settings = settings.model_copy(update={"embedding_backend": args.backend})
    if args.precision:
        settings = settings.model_copy(update={"embedding_precision": args.precision})
    with services(settings) as live:
        async with (
            opened(live, pool_size=worker_pool_size(live), redis=True, embedder=True) as resources,
            worker_deps(resources) as base,
        ):
            chunker = RecordingChunker(
                base.chunker.tokenizer,  # its own copy: parsing overlaps encoding
                live.chunk_tokens,
                live.chunk_overlap_tokens,
            )
            parser = RecordingParser(base.parser) if base.parser else None
            deps = dataclasses.replace(
                base, chunker=chunker, embedder=TimedEmbedder(base.embedder), parser=parser
            )
            print(
                f"embedder: {bundled_model_path()} (dim {deps.embedder.dim}) on "
                f"{getattr(base.embedder, 'backend', '?')} "
                f"in {getattr(base.embedder, 'precision', 'f32')} "
                f"(TUTOR_EMBEDDING_BACKEND={live.embedding_backend}), "
                f"chunks of {live.chunk_tokens} tokens / {live.chunk_overlap_tokens} overlap, "
                f"parsing {'in a child process' if parser else 'in a thread'}"
            )
            print(f"source: {source_state()}")
            print_load("at start")
            ours = await measure_ours(deps, chunker, paths, live)
            if not args.skip_langchain:
                theirs = await asyncio.to_thread(langchain_ingest, paths, database_url(live))
                if theirs is not None:
                    print_langchain(ours, theirs, chunker.tokenizer)
            print_load("at end")


async def measure_ours(
    deps: IngestionDeps, chunker: RecordingChunker, paths: Sequence[Path], settings: Settings
) -> list[FileRun]:
    """First ingestion, pure encoding and re-upload of each file, for a fresh user."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    timed = cast(TimedEmbedder, deps.embedder)
    timed.inner.embed(["warm up the model before anything is timed"])
    owner = await fresh_user(deps, "bench-ingest")
    meter = CpuMeter(cast(RecordingParser | None, deps.parser), Path(settings.data_dir) / "pgdata")
    runs: list[FileRun] = []
    try:
        for path in paths:
            print(f"ingesting {path.name} ...", flush=True)
            before = meter.read()
            file_run = await ingest_file(deps, chunker, owner, path, limits)
            after = meter.read()
            # Right after its ingestion, so both see the same machine load.
            file_run.encode_s = await asyncio.to_thread(time_encode, timed.inner, file_run.texts)
            self_s, parser_s, postgres_s = (b - a for a, b in zip(before, after, strict=True))
            encode_s = time.process_time() - after[0]
            file_run.cpu = CpuUse(self_s, parser_s, postgres_s, encode_s)
            file_run.encode_ids_s = await asyncio.to_thread(
                time_encode_ids, timed.inner, file_run.texts, file_run.token_ids
            )
            runs.append(file_run)
        for r, path in zip(runs, paths, strict=True):
            r.reupload_s = await time_reupload(deps, owner, path, limits)
        print_ours(runs)
        print_cpu(runs)
        print_dedup(runs)
    finally:
        await delete_user(deps, owner)
    return runs


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="folder holding the documents"
    )
    parser.add_argument("--files", nargs="+", default=list(DEFAULT_FILES))
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=Path("/tmp/bench-data/ingest"),
        help="TUTOR_DATA_DIR for the embedded Postgres and Redis",
    )
    parser.add_argument("--skip-langchain", action="store_true")
    parser.add_argument(
        "--backend", choices=["openvino", "torch"], help="our embedding backend (default: settings)"
    )
    parser.add_argument(
        "--precision", choices=["auto", "f32"], help="OpenVINO precision (default: settings)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
