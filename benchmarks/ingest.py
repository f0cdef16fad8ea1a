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
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from ingestion.chunking import Chunk, Chunker
from ingestion.embedding import bundled_model_path
from ingestion.pipeline import IngestionDeps, ingest
from ingestion.queue import connect_redis
from ingestion.uploads import UploadLimits, accept_upload
from ingestion.worker import worker_deps
from tutor import users
from tutor.settings import Settings
from tutor.stack import services

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/documents/educational"
DEFAULT_FILES = ("R-intro.pdf", "GeoTopo-komprimiert.pdf", "handbook-872p.docx")
# LangChain's splitter counts characters: 200 tokens x ~4 characters, with our 15% overlap.
LC_CHUNK_CHARS = 800
LC_OVERLAP_CHARS = 120
LC_INSERT_BATCH = 1000  # one INSERT per batch; a single statement is capped at 65,535 parameters
MODEL_MAX_TOKENS = 256

CHUNK_COUNT = "SELECT count(*) FROM chunks WHERE document_id = %(id)s"
PAGE_COUNT = "SELECT pages_total FROM documents WHERE id = %(id)s"
DELETE_USER = "DELETE FROM users WHERE id = %(id)s"


class RecordingChunker(Chunker):
    """The pipeline's chunker, remembering what it produced and when it was called."""

    def __init__(self, tokenizer: Any, chunk_tokens: int, overlap_tokens: int) -> None:
        super().__init__(tokenizer, chunk_tokens, overlap_tokens)
        self.chunks: list[Chunk] = []
        self.started = 0.0
        self.seconds = 0.0

    def chunk(self, sections: Any) -> list[Chunk]:
        """Chunk as usual; keep the chunks and the timing."""
        self.started = time.perf_counter()
        self.chunks = super().chunk(sections)
        self.seconds = time.perf_counter() - self.started
        return self.chunks


@dataclass
class FileRun:
    """One file's first ingestion through our pipeline."""

    name: str
    status: str
    pages: int | None
    chunks: int
    wall_s: float
    extract_s: float
    chunk_s: float
    texts: list[str]
    encode_s: float = 0.0
    reupload_s: float = 0.0

    @property
    def embed_store_s(self) -> float:
        """Whatever is left after extraction and chunking: embedding, COPY, progress."""
        return self.wall_s - self.extract_s - self.chunk_s


@dataclass
class LangChainRun:
    """One file through pypdf/python-docx, RecursiveCharacterTextSplitter and PGVector."""

    name: str
    chunks: int
    wall_s: float
    texts: list[str]


async def fresh_user(deps: IngestionDeps) -> UUID:
    """A new account, so no earlier upload can satisfy the dedup check."""
    async with deps.pool.connection() as conn:
        email = f"bench-ingest-{uuid.uuid4().hex[:12]}@example.com"
        user = await users.create_user(conn, email, uuid.uuid4().hex, "student")
    return user.id


async def delete_user(deps: IngestionDeps, owner_id: UUID) -> None:
    """Drop the account; its documents and chunks go with it."""
    async with deps.pool.connection() as conn:
        await conn.execute(DELETE_USER, {"id": owner_id})


async def upload(deps: IngestionDeps, owner_id: UUID, path: Path, limits: UploadLimits) -> Any:
    """`accept_upload` as the API calls it (no Redis: the benchmark runs the job itself)."""
    data = path.read_bytes()
    async with deps.pool.connection() as conn:
        return await accept_upload(conn, None, owner_id, path.name, data, limits=limits)


async def ingest_file(
    deps: IngestionDeps, chunker: RecordingChunker, owner_id: UUID, path: Path, limits: UploadLimits
) -> FileRun:
    """Upload and ingest one file; the wall time covers both."""
    started = time.perf_counter()
    result = await upload(deps, owner_id, path, limits)
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
        extract_s=chunker.started - started,
        chunk_s=chunker.seconds,
        texts=[c.embedding_text() for c in chunker.chunks],
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


def time_encode(deps: IngestionDeps, texts: list[str]) -> float:
    """Seconds for the embedder alone on these texts."""
    started = time.perf_counter()
    deps.embedder.embed(texts)
    return time.perf_counter() - started


def rate(count: int | None, seconds: float) -> str:
    """count/s, or n/a when the count is unknown."""
    return f"{count / seconds:8.1f}" if count and seconds > 0 else f"{'n/a':>8}"


def print_ours(runs: Sequence[FileRun]) -> None:
    """The per-file table, totals and the wall/encode ratio."""
    print("\n== Our pipeline (accept_upload + pipeline.ingest), files one after another ==")
    header = (
        f"{'file':<26}{'status':>7}{'pages':>7}{'chunks':>8}{'wall s':>9}{'pages/s':>9}"
        f"{'chunks/s':>9}{'extract':>9}{'chunk':>8}{'emb+st':>8}{'encode':>8}{'wall/enc':>9}"
    )
    print(header)
    for r in runs:
        print(
            f"{r.name[:25]:<26}{r.status:>7}{r.pages if r.pages else 'n/a':>7}{r.chunks:>8}"
            f"{r.wall_s:9.2f}{rate(r.pages, r.wall_s)} {rate(r.chunks, r.wall_s)}"
            f"{r.extract_s:9.2f}{r.chunk_s:8.2f}{r.embed_store_s:8.2f}{r.encode_s:8.2f}"
            f"{r.wall_s / r.encode_s:9.3f}"
        )
    wall = sum(r.wall_s for r in runs)
    encode = sum(r.encode_s for r in runs)
    pages = sum(r.pages or 0 for r in runs)
    chunks = sum(r.chunks for r in runs)
    print(
        f"{'TOTAL':<26}{'':>7}{pages:>7}{chunks:>8}{wall:9.2f}{rate(pages, wall)} "
        f"{rate(chunks, wall)}{'':>33}{encode:8.2f}{wall / encode:9.3f}"
    )
    print("(pages: PDF page count; a DOCX has no pages, so n/a. extract = load + parse,")
    print(" emb+st = embedding + COPY + progress; encode = embedder.embed() alone, same texts)")
    print(f"total_ingest_wall / pure_encode = {wall:.2f} / {encode:.2f} = {wall / encode:.3f}")
    print("  target <= 1.15")


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
        return [
            Document(
                page_content=page.extract_text() or "", metadata={"source": path.name, "page": i}
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
    with services(settings) as live:
        assert live.database_url and live.redis_url
        redis = connect_redis(live.redis_url)
        async with worker_deps(live, live.database_url, redis) as base:
            chunker = RecordingChunker(
                base.embedder.tokenizer,  # type: ignore[attr-defined]
                live.chunk_tokens,
                live.chunk_overlap_tokens,
            )
            deps = dataclasses.replace(base, chunker=chunker)
            print(
                f"embedder: {bundled_model_path()} (dim {deps.embedder.dim}), "
                f"chunks of {live.chunk_tokens} tokens / {live.chunk_overlap_tokens} overlap"
            )
            ours = await measure_ours(deps, chunker, paths, live)
            if not args.skip_langchain:
                theirs = await asyncio.to_thread(langchain_ingest, paths, live.database_url)
                if theirs is not None:
                    print_langchain(ours, theirs, chunker.tokenizer)
        await redis.aclose()


async def measure_ours(
    deps: IngestionDeps, chunker: RecordingChunker, paths: Sequence[Path], settings: Settings
) -> list[FileRun]:
    """First ingestion, pure encoding and re-upload of each file, for a fresh user."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    deps.embedder.embed(["warm up the model before anything is timed"])
    owner = await fresh_user(deps)
    runs: list[FileRun] = []
    try:
        for path in paths:
            print(f"ingesting {path.name} ...", flush=True)
            runs.append(await ingest_file(deps, chunker, owner, path, limits))
        for r in runs:
            r.encode_s = await asyncio.to_thread(time_encode, deps, r.texts)
        for r, path in zip(runs, paths, strict=True):
            r.reupload_s = await time_reupload(deps, owner, path, limits)
        print_ours(runs)
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
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
