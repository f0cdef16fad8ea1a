"""Search latency over 100k real chunks: hybrid, dense and FTS against a bare pgvector query.

    python benchmarks/search.py [--n 100000] [--queries 200] [--bench-dir /tmp/bench-data/search]

Chunks are SciFact abstracts cut into titles, sentences, then overlapping sentence pairs and
triples until there are `--n` distinct texts, embedded with the bundled MiniLM (cached under
benchmarks/.cache/). They are stored for one user, one document per abstract, with binary COPY
into the real schema. Queries are SciFact claims, embedded once up front, so the latencies are
the database's and the Python around it, not the model's. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import shutil
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import torch
from numpy.typing import NDArray
from pgvector.psycopg import register_vector_async
from psycopg import AsyncConnection, sql
from run_info import print_load, source_state

from ingestion.chunk_store import copy_chunks
from ingestion.chunking import Chunk
from ingestion.embedding import SentenceTransformerEmbedder
from retrieval.search import SearchMode, SearchParams, search_chunks
from tutor.accounts import users
from tutor.resources import build_embedder, database_url, migrate_database, open_pool
from tutor.runtime.services import services
from tutor.settings import Settings

SCIFACT = Path(__file__).resolve().parents[1].parent / "shared/data/scifact"
CACHE = Path(__file__).resolve().parent / ".cache"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
EMBED_SLICE = 4096
K = 10

BARE_TOP_K = "SELECT id FROM chunks ORDER BY embedding <=> %(embedding)s LIMIT %(k)s"
USER_BY_EMAIL = "SELECT id FROM users WHERE email = %(email)s"
# Earlier benchmark users (and, by cascade, their chunks): one corpus is loaded at a time.
# term_stats has no foreign key to users, so their term counts go first, by hand.
STALE_TERM_STATS = """
DELETE FROM term_stats WHERE owner_id IN (SELECT id FROM users WHERE email LIKE %(pattern)s)
"""
STALE_USERS = "DELETE FROM users WHERE email LIKE %(pattern)s"
OWNER_CHUNKS = "SELECT count(*) FROM chunks WHERE owner_id = %(owner_id)s"
# Synthetic documents are named after their abstract, which maps chunks back to texts.
CHUNK_SOURCES = """
SELECT c.id, d.filename, c.ordinal FROM chunks c JOIN documents d ON d.id = c.document_id
WHERE c.owner_id = %(owner_id)s
"""
INSERT_DOCUMENT = """
INSERT INTO documents (id, owner_id, filename, mime, sha256, size_bytes, status, ready_at)
VALUES (%(id)s, %(owner_id)s, %(filename)s, 'text/plain', %(sha256)s, %(size)s, 'ready', now())
"""
# The index a bulk load would otherwise update row by row; rebuilt from its own DDL.
BULK_INDEXES = ("chunks_embedding_idx",)
INDEX_DEFS = """
SELECT indexname, indexdef FROM pg_indexes
WHERE tablename = 'chunks' AND indexname = ANY(%(names)s)
"""
INDEX_SIZE = "SELECT pg_size_pretty(pg_relation_size(%(name)s::regclass))"


def abstract_pieces(corpus: Path) -> Iterator[list[tuple[int, str]]]:
    """Tiers of (abstract, text): titles and sentences, then sentence pairs, then triples."""
    abstracts = []
    with corpus.open() as lines:
        for line in lines:
            record = json.loads(line)
            sentences = [s.strip() for s in SENTENCE_END.split(record["text"]) if s.strip()]
            abstracts.append((record["title"].strip(), sentences))
    yield [(a, t) for a, (title, ss) in enumerate(abstracts) for t in (title, *ss)]
    for width in (2, 3):
        yield [
            (a, " ".join(ss[i : i + width]))
            for a, (_, ss) in enumerate(abstracts)
            for i in range(len(ss) - width + 1)
        ]


def build_texts(corpus: Path, n: int) -> tuple[list[str], list[int]]:
    """The first `n` distinct texts, and the abstract each came from."""
    texts: list[str] = []
    sources: list[int] = []
    seen: set[str] = set()
    for tier in abstract_pieces(corpus):
        for abstract, text in tier:
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
                sources.append(abstract)
                if len(texts) == n:
                    return texts, sources
    print(f"only {len(texts):,} distinct texts available (asked for {n:,})")
    return texts, sources


def texts_key(texts: Sequence[str], model: str) -> str:
    """A short digest naming these texts under this model."""
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(text.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def embed_cached(embedder: SentenceTransformerEmbedder, texts: list[str], key: str) -> NDArray[Any]:
    """Embeddings of `texts`, from the cache when this exact list was embedded before.

    Slices are saved as they finish, so an interrupted first run resumes where it stopped.
    """
    path = CACHE / f"scifact-{len(texts)}-{key}.npy"
    if path.exists():
        print(f"embeddings: cached {path.name}")
        cached: NDArray[Any] = np.load(path)
        return cached
    parts = CACHE / f"scifact-{len(texts)}-{key}.parts"
    parts.mkdir(parents=True, exist_ok=True)
    starts = range(0, len(texts), EMBED_SLICE)
    started = time.perf_counter()
    for first in starts:
        part = parts / f"{first:07d}.npy"
        if part.exists():
            continue
        np.save(part, embedder.embed(texts[first : first + EMBED_SLICE]))
        done = min(first + EMBED_SLICE, len(texts))
        print(
            f"  embedded {done:,}/{len(texts):,} ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    vectors = np.concatenate([np.load(parts / f"{first:07d}.npy") for first in starts])
    np.save(path, vectors.astype(np.float32))
    shutil.rmtree(parts)
    print(f"embeddings: computed, saved {path.name}")
    return vectors


def load_queries(path: Path, count: int) -> list[str]:
    """The first `count` SciFact claims."""
    with path.open() as lines:
        return [json.loads(line)["text"] for _, line in zip(range(count), lines, strict=False)]


async def find_owner(conn: AsyncConnection, email: str) -> UUID | None:
    """The benchmark user of an earlier run with the same texts, if any."""
    row = await (await conn.execute(USER_BY_EMAIL, {"email": email})).fetchone()
    return row[0] if row else None


async def owner_chunk_count(conn: AsyncConnection, owner_id: UUID) -> int:
    """How many chunks the user has."""
    cur = await conn.execute(OWNER_CHUNKS, {"owner_id": owner_id})
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def drop_bulk_indexes(conn: AsyncConnection) -> list[str]:
    """Drop the HNSW index; returns its definition for the rebuild."""
    cur = await conn.execute(INDEX_DEFS, {"names": list(BULK_INDEXES)})
    definitions = await cur.fetchall()
    for name, _ in definitions:
        await conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return [definition for _, definition in definitions]


async def rebuild_indexes(conn: AsyncConnection, definitions: list[str]) -> None:
    """Recreate the dropped indexes with room to build in memory, then refresh statistics."""
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for definition in definitions:
        started = time.perf_counter()
        await conn.execute(definition.encode())
        print(f"  {time.perf_counter() - started:5.1f} s  {definition}")
    await conn.execute("RESET maintenance_work_mem")
    started = time.perf_counter()
    # VACUUM also sets the visibility map that lets postings be read by index-only scans.
    await conn.execute("VACUUM ANALYZE chunks, term_stats, postings")
    print(f"  {time.perf_counter() - started:5.1f} s  VACUUM ANALYZE chunks, term_stats, postings")


async def copy_all(
    conn: AsyncConnection,
    owner_id: UUID,
    texts: list[str],
    sources: list[int],
    vectors: NDArray[Any],
    token_counts: list[int],
) -> None:
    """One synthetic document per abstract, its chunks in one COPY, a transaction each.

    Not one transaction for all: `copy_chunks` also bumps the owner's term_stats rows, and
    updating the same rows thousands of times in one transaction grows their version chains
    (37 s instead of 19 s for 20k chunks, 340 s for 100k), as no ingestion would.
    """
    by_abstract: dict[int, list[int]] = defaultdict(list)
    for index, abstract in enumerate(sources):
        by_abstract[abstract].append(index)
    for abstract, indexes in by_abstract.items():
        async with conn.transaction():
            document_id = uuid.uuid4()
            await conn.execute(
                INSERT_DOCUMENT,
                {
                    "id": document_id,
                    "owner_id": owner_id,
                    "filename": f"scifact-{abstract}.txt",
                    "sha256": hashlib.sha256(f"{owner_id}:{abstract}".encode()).hexdigest(),
                    "size": sum(len(texts[i]) for i in indexes),
                },
            )
            chunks = [
                Chunk(ordinal, texts[i], (), None, None, token_counts[i])
                for ordinal, i in enumerate(indexes)
            ]
            await copy_chunks(conn, document_id, owner_id, chunks, vectors[indexes])


async def load_corpus(
    url: str,
    email: str,
    texts: list[str],
    sources: list[int],
    vectors: NDArray[Any],
    tokenizer: Any,
) -> UUID:
    """A user holding every text as a chunk; indexes dropped for the COPY and rebuilt after."""
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await register_vector_async(conn)
        await conn.execute(STALE_TERM_STATS, {"pattern": "bench-search-%"})
        await conn.execute(STALE_USERS, {"pattern": "bench-search-%"})
        owner = await users.create_user(conn, email, uuid.uuid4().hex, "student")
        token_counts = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
        definitions = await drop_bulk_indexes(conn)
        print(f"loading {len(texts):,} chunks (dropped {', '.join(BULK_INDEXES)} for the COPY)")
        try:
            started = time.perf_counter()
            await copy_all(conn, owner.id, texts, sources, vectors, token_counts)
            print(f"  {time.perf_counter() - started:5.1f} s  COPY (binary, copy_chunks)")
        finally:  # a failed load must not leave the schema without its indexes
            await rebuild_indexes(conn, definitions)
    return owner.id


async def chunk_positions(
    conn: AsyncConnection, owner_id: UUID, sources: list[int]
) -> dict[int, int]:
    """Chunk id -> index into the text list, through (abstract, ordinal)."""
    index_of: dict[tuple[int, int], int] = {}
    ordinals: dict[int, int] = defaultdict(int)
    for index, abstract in enumerate(sources):
        index_of[(abstract, ordinals[abstract])] = index
        ordinals[abstract] += 1
    cur = await conn.execute(CHUNK_SOURCES, {"owner_id": owner_id})
    positions = {}
    for chunk_id, filename, ordinal in await cur.fetchall():
        abstract = int(filename.removeprefix("scifact-").removesuffix(".txt"))
        positions[chunk_id] = index_of[(abstract, ordinal)]
    return positions


Timed = Callable[[AsyncConnection, str, NDArray[Any]], Awaitable[list[int]]]


def search_mode(owner_id: UUID, mode: SearchMode, params: SearchParams) -> Timed:
    """Our `search_chunks` in one mode, returning chunk ids."""

    async def call(conn: AsyncConnection, query: str, embedding: NDArray[Any]) -> list[int]:
        hits = await search_chunks(conn, owner_id, query, embedding, k=K, mode=mode, params=params)
        return [hit.chunk_id for hit in hits]

    return call


async def bare_hnsw(conn: AsyncConnection, _query: str, embedding: NDArray[Any]) -> list[int]:
    """The plainest pgvector top-k query."""
    cur = await conn.execute(BARE_TOP_K, {"embedding": embedding, "k": K})
    return [row[0] for row in await cur.fetchall()]


async def time_calls(
    conn: AsyncConnection,
    calls: dict[str, Timed],
    queries: list[str],
    embeddings: NDArray[Any],
    rounds: int,
) -> tuple[dict[str, list[float]], dict[str, list[list[int]]]]:
    """Latency samples per call, interleaved per query so load from elsewhere hits all alike.

    The call order rotates from query to query: whichever call runs first for a query vector
    pays for pulling its HNSW pages into shared_buffers (the index outgrows the default 128MB),
    so no call may always go first. The first round warms caches and plans and is not
    recorded. Each query is its own transaction, as in a request; the commit is not timed.
    """
    samples: dict[str, list[float]] = {name: [] for name in calls}
    results: dict[str, list[list[int]]] = {name: [] for name in calls}
    order = list(calls.items())
    for round_ in range(rounds + 1):
        for i, (query, embedding) in enumerate(zip(queries, embeddings, strict=True)):
            shift = i % len(order)
            for name, call in order[shift:] + order[:shift]:
                started = time.perf_counter()
                ids = await call(conn, query, embedding)
                elapsed = time.perf_counter() - started
                await conn.commit()
                if round_:
                    samples[name].append(elapsed)
                if round_ == 1:
                    results[name].append(ids)
    return samples, results


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), by linear interpolation."""
    return float(np.percentile(np.asarray(values), q))


def exact_top_k(vectors: NDArray[Any], queries: NDArray[Any], k: int) -> list[set[int]]:
    """Exact cosine top-k by brute force (all vectors are unit length)."""
    scores = queries @ vectors.T
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return [set(row.tolist()) for row in top]


def recall(found: list[list[int]], positions: dict[int, int], exact: list[set[int]]) -> float:
    """Mean share of the exact top-k that a retriever returned."""
    shares = [
        len({positions[i] for i in ids} & truth) / len(truth)
        for ids, truth in zip(found, exact, strict=True)
    ]
    return statistics.fmean(shares)


async def show(conn: AsyncConnection, setting: str) -> str:
    """A server setting as this connection sees it."""
    cur = await conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(*setting.split("."))))
    row = await cur.fetchone()
    return str(row[0]) if row else "?"


def print_latencies(samples: dict[str, list[float]]) -> None:
    """p50, p95 and mean per call, and the hybrid/bare ratio."""
    print(f"\n{'query':<24}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for name, values in samples.items():
        print(
            f"{name:<24}{len(values):>6}{percentile(values, 50) * 1000:9.2f}"
            f"{percentile(values, 95) * 1000:9.2f}{statistics.fmean(values) * 1000:9.2f}"
        )
    bare = percentile(samples["bare HNSW top-10"], 50)
    for name in ("hybrid (search_chunks)",):
        hybrid = percentile(samples[name], 50)
        print(
            f"{name} p50 / bare p50 = {hybrid * 1000:.2f} / {bare * 1000:.2f} = "
            f"{hybrid / bare:.2f}  (target <= 1.5)"
        )


@dataclass
class Corpus:
    """The loaded chunks and the queries to run against them."""

    owner: UUID
    texts: list[str]
    sources: list[int]
    vectors: NDArray[Any]
    queries: list[str]
    query_vectors: NDArray[Any]


async def prepare(args: argparse.Namespace, settings: Settings) -> Corpus:
    """Texts, their embeddings, the queries' embeddings, and the loaded user."""
    url = database_url(settings)
    embedder = build_embedder(settings)
    if args.embed_threads:
        torch.set_num_threads(args.embed_threads)
    texts, sources = build_texts(SCIFACT / "corpus.jsonl", args.n)
    key = texts_key(texts, settings.embedding_model or "bundled all-MiniLM-L6-v2")
    vectors = embed_cached(embedder, texts, key)
    queries = load_queries(SCIFACT / "queries.jsonl", args.queries)
    query_vectors = embedder.embed(queries)
    await migrate_database(settings)
    email = f"bench-search-{key}@example.com"
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        owner = await find_owner(conn, email)
        loaded = 0 if owner is None else await owner_chunk_count(conn, owner)
    if owner is not None and loaded == len(texts) and not args.reload:
        print(f"reusing {loaded:,} chunks loaded by an earlier run (--reload to redo)")
    else:
        owner = await load_corpus(url, email, texts, sources, vectors, embedder.tokenizer)
    return Corpus(owner, texts, sources, vectors, queries, query_vectors)


async def measure(settings: Settings, data: Corpus, rounds: int) -> None:
    """Latencies, recall and the settings they ran under."""
    pool = await open_pool(settings, max_size=1)
    params = SearchParams(candidates=settings.search_candidates)
    owner = data.owner
    calls: dict[str, Timed] = {
        "bare HNSW top-10": bare_hnsw,
        "dense (search_chunks)": search_mode(owner, SearchMode.DENSE, params),
        "hybrid (search_chunks)": search_mode(owner, SearchMode.HYBRID, params),
        "fts (search_chunks)": search_mode(owner, SearchMode.FTS, params),
    }
    try:
        async with pool.connection() as conn:
            total = await owner_chunk_count(conn, owner)
            print(
                f"\n{total:,} chunks for the user; {len(data.queries)} SciFact claims x "
                f"{rounds} round(s) after 1 warm-up round; k={K}, candidates={params.candidates}, "
                f"fts max_postings={params.max_postings}"
            )
            print(
                f"hnsw.ef_search = {await show(conn, 'hnsw.ef_search')}, "
                f"hnsw.iterative_scan = {await show(conn, 'hnsw.iterative_scan')}, "
                f"HNSW index {await index_size(conn, 'chunks_embedding_idx')}, "
                f"postings index {await index_size(conn, 'postings_pkey')}"
            )
            await conn.commit()
            print(f"source: {source_state()}")
            print_load("before timing")
            samples, results = await time_calls(
                conn, calls, data.queries, data.query_vectors, rounds
            )
            print_load("after timing")
            positions = await chunk_positions(conn, owner, data.sources)
    finally:
        await pool.close()

    print_latencies(samples)
    exact = exact_top_k(data.vectors, data.query_vectors, K)
    print(f"\nrecall@{K} against exact search (numpy, all {len(data.vectors):,} vectors):")
    for name in ("bare HNSW top-10", "dense (search_chunks)"):
        print(f"  {name:<24}{recall(results[name], positions, exact):.4f}")


async def index_size(conn: AsyncConnection, name: str) -> str:
    """An index's size on disk, human-readable."""
    row = await (await conn.execute(INDEX_SIZE, {"name": name})).fetchone()
    return str(row[0]) if row else "?"


async def run(args: argparse.Namespace) -> None:
    """Load (or reuse) the corpus, then measure."""
    with services(Settings(data_dir=args.bench_dir)) as settings:
        data = await prepare(args, settings)
        await measure(settings, data, args.rounds)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="chunks to load")
    parser.add_argument("--queries", type=int, default=200, help="SciFact claims to time")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the queries")
    parser.add_argument("--reload", action="store_true", help="reload even if already loaded")
    parser.add_argument(
        "--embed-threads",
        type=int,
        help="torch threads for embedding the corpus (1 is faster when other work shares the CPUs)",
    )
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=Path("/tmp/bench-data/search"),
        help="TUTOR_DATA_DIR for the embedded Postgres and Redis",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
