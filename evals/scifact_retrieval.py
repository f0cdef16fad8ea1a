"""SciFact retrieval: hybrid against dense and full-text search, through the real pipeline.

Each abstract is uploaded as one Markdown document of a dedicated eval user and ingested
in-process by the worker's own pipeline; a re-run finds the documents by content hash and
embeds nothing again. Chunk hits map back to corpus ids through the filename, and a document
ranks at its best chunk.

    TUTOR_DATA_DIR=/tmp/eval-data python -m evals.scifact_retrieval --split train [--limit N]
    ... --split train --tune          # a small SearchParams grid, train only
    ... --split test --rrf-k 30 ...   # once, with the chosen parameters

The cache is keyed on the uploaded bytes only: after changing chunking or the embedding model,
delete the data dir.

The @10 metrics come from asking for `TOP_CHUNKS` chunks, which is at most every candidate
count tried, so the fused order is the one the API returns for the same parameters;
recall@100 needs a deeper list (`DEEP_CHUNKS`), and search_chunks then widens the candidate
lists to that depth.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import itertools
import json
import logging
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
from numpy.typing import NDArray
from psycopg_pool import AsyncConnectionPool
from tqdm import tqdm

from evals.beir import BeirDataset, CorpusDoc, load_beir
from evals.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from ingestion.embedding import LocalEmbedder
from ingestion.pipeline import IngestionDeps, ingest
from ingestion.uploads import UploadLimits, accept_upload
from retrieval.search import SearchMode, SearchParams, search_chunks
from tutor.accounts import users
from tutor.errors import EmailTaken
from tutor.resources import build_embedder, opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps, worker_pool_size
from tutor.settings import Settings

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "scifact"
DEFAULT_DATA_DIR = Path("/tmp/eval-data")
TOP_CHUNKS = 40
DEEP_CHUNKS = 400
SEARCH_CONNECTIONS = 4
BOOTSTRAP_SAMPLES = 2000

GRID_CANDIDATES = (60, 120, 240)
GRID_RRF_K = (10, 30, 60)
# Only the ratio of the two weights matters to the fused order.
GRID_WEIGHTS = ((1.0, 1.0), (1.5, 1.0), (2.0, 1.0), (1.0, 1.5))

# Published SciFact figures, all on the TEST split (300 queries): references, not baselines
# for train. The BEIR paper (Thakur et al. 2021, Table 2) gives nDCG@10 only.
BEIR_PAPER_BM25_NDCG10 = 0.665
PUBLISHED_FILES = {
    "BM25s (MTEB baseline-bm25s)": "mteb_baseline-bm25s_SciFact.json",
    "all-MiniLM-L6-v2 (MTEB)": "mteb_all-MiniLM-L6-v2_SciFact.json",
}
METRIC_KEYS = ("ndcg_at_10", "recall_at_10", "recall_at_100", "mrr_at_10")


@dataclass(frozen=True)
class Scores:
    """Mean metrics over the queries; recall@100 is None when only the top was searched."""

    ndcg_at_10: float
    recall_at_10: float
    recall_at_100: float | None
    mrr_at_10: float


@dataclass(frozen=True)
class Run:
    """One mode and parameter set over all queries, with per-query nDCG@10 kept for pairing."""

    mode: SearchMode
    params: SearchParams
    scores: Scores
    per_query_ndcg: dict[str, float]
    short_rankings: int  # queries whose top chunks held fewer than 10 distinct documents


# -- ingestion -------------------------------------------------------------------------------


class ChunkerTokenizerEmbedder:
    """The embedder, exposing a private tokenizer copy that worker_deps hands to the chunker.

    A Hugging Face fast tokenizer keeps padding and truncation as shared state: chunking one
    document while another is being embedded switches padding off under the running encode
    ("expected sequence of length 202 at dim 1 (got 89)"). The copy keeps them apart.
    """

    def __init__(self, embedder: LocalEmbedder) -> None:
        self.embedder = embedder
        self.dim = embedder.dim
        self.tokenizer = copy.deepcopy(embedder.tokenizer)
        # One call settles the copy on "no padding, no truncation", so the lanes sharing it
        # only ever read that state.
        self.tokenizer("warm-up", add_special_tokens=False)

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        """The wrapped embedder's vectors."""
        return self.embedder.embed(texts)


def markdown(doc: CorpusDoc) -> bytes:
    """The uploaded file: the title as a heading over the abstract."""
    return f"# {doc.title}\n\n{doc.text}".encode()


def eval_email(data: Path) -> str:
    """One isolated account per dataset (and per corpus content), so corpora never mix."""
    corpus = (data / "corpus.jsonl").read_bytes()
    slug = re.sub(r"[^a-z0-9]+", "-", data.resolve().name.lower()).strip("-") or "beir"
    return f"eval-{slug}-{hashlib.sha256(corpus).hexdigest()[:10]}@example.com"


async def eval_owner(pool: AsyncConnectionPool, email: str) -> UUID:
    """The dataset's dedicated eval account, created on first use."""
    async with pool.connection() as conn:
        try:
            await users.create_user(conn, email, os.urandom(16).hex(), "student")
        except EmailTaken:
            pass
        return (await users.get_user_by_email(conn, email)).id


async def ingest_one(
    deps: IngestionDeps, owner_id: UUID, doc: CorpusDoc, limits: UploadLimits
) -> str:
    """Upload and ingest one abstract; "cached" when it is already there and ready."""
    async with deps.pool.connection() as conn:
        upload = await accept_upload(
            conn, None, owner_id, f"{doc.id}.md", markdown(doc), limits=limits
        )
    if not upload.created and upload.document.status in ("ready", "failed"):
        return "cached" if upload.document.status == "ready" else "failed"
    return await ingest(deps, upload.document.id)  # new, or left half-done by an earlier run


async def ingest_corpus(
    deps: IngestionDeps,
    owner_id: UUID,
    corpus: Iterable[CorpusDoc],
    limits: UploadLimits,
    concurrency: int,
) -> Counter[str]:
    """Every document through `ingest_one`, `concurrency` at a time; counts the outcomes."""
    docs = list(corpus)
    outcomes: Counter[str] = Counter()
    pending = iter(docs)
    with tqdm(total=len(docs), desc="ingest", unit="doc", file=sys.stderr) as bar:

        async def lane() -> None:
            for doc in pending:  # one shared iterator: each document goes to one lane
                outcomes[await ingest_one(deps, owner_id, doc, limits)] += 1
                bar.update()

        await asyncio.gather(*(lane() for _ in range(concurrency)))
    return outcomes


# -- search and scoring ----------------------------------------------------------------------


def corpus_id(filename: str) -> str:
    """The corpus id an eval document was uploaded under."""
    return filename.removesuffix(".md")


def distinct(ids: Iterable[str]) -> list[str]:
    """First occurrences in order: a document ranks at its best chunk."""
    return list(dict.fromkeys(ids))


async def rank_documents(
    pool: AsyncConnectionPool,
    owner_id: UUID,
    queries: Mapping[str, str],
    embeddings: Mapping[str, np.ndarray],
    mode: SearchMode,
    params: SearchParams,
    k: int,
) -> dict[str, list[str]]:
    """Query id -> corpus ids best first, from the owner's `k` best chunks."""
    gate = asyncio.Semaphore(SEARCH_CONNECTIONS)

    async def one(q: str) -> tuple[str, list[str]]:
        async with gate, pool.connection() as conn:
            hits = await search_chunks(
                conn, owner_id, queries[q], embeddings[q], k=k, mode=mode, params=params
            )
        return q, distinct(corpus_id(hit.filename) for hit in hits)

    return dict(await asyncio.gather(*(one(q) for q in queries)))


def score(
    qrels: Mapping[str, Mapping[str, int]],
    top: Mapping[str, Sequence[str]],
    deep: Mapping[str, Sequence[str]] | None,
) -> tuple[Scores, dict[str, float]]:
    """Mean metrics over the judged queries, and nDCG@10 per query."""
    ndcg = {q: ndcg_at_k(top[q], rel, 10) for q, rel in qrels.items()}
    scores = Scores(
        ndcg_at_10=statistics.fmean(ndcg.values()),
        recall_at_10=statistics.fmean(recall_at_k(top[q], rel, 10) for q, rel in qrels.items()),
        recall_at_100=None
        if deep is None
        else statistics.fmean(recall_at_k(deep[q], rel, 100) for q, rel in qrels.items()),
        mrr_at_10=statistics.fmean(mrr_at_k(top[q], rel, 10) for q, rel in qrels.items()),
    )
    return scores, ndcg


@dataclass(frozen=True)
class Bench:
    """Everything a run needs: the judged queries, their embeddings and where to search."""

    pool: AsyncConnectionPool
    owner_id: UUID
    dataset: BeirDataset
    embeddings: dict[str, np.ndarray]


async def evaluate(bench: Bench, mode: SearchMode, params: SearchParams, *, deep: bool) -> Run:
    """One mode with one parameter set over every query; `deep` adds recall@100."""
    args = (bench.pool, bench.owner_id, bench.dataset.queries, bench.embeddings, mode, params)
    top = await rank_documents(*args, k=TOP_CHUNKS)
    deeper = await rank_documents(*args, k=DEEP_CHUNKS) if deep else None
    scores, per_query = score(bench.dataset.qrels, top, deeper)
    short = sum(len(ranking) < 10 for ranking in top.values())
    return Run(mode, params, scores, per_query, short)


def paired_bootstrap(a: Mapping[str, float], b: Mapping[str, float]) -> tuple[float, float, float]:
    """Mean of a - b over shared queries with a 95% paired-bootstrap interval (seeded)."""
    diffs = [a[q] - b[q] for q in a]
    rng = random.Random(0)
    means = sorted(
        statistics.fmean(rng.choices(diffs, k=len(diffs))) for _ in range(BOOTSTRAP_SAMPLES)
    )
    return statistics.fmean(diffs), means[int(0.025 * len(means))], means[int(0.975 * len(means))]


# -- tuning ----------------------------------------------------------------------------------


def grid() -> list[SearchParams]:
    """The SearchParams tried when tuning (hybrid only; dense and fts ignore them)."""
    return [
        SearchParams(candidates=c, rrf_k=k, dense_weight=wd, fts_weight=wf)
        for c, k, (wd, wf) in itertools.product(GRID_CANDIDATES, GRID_RRF_K, GRID_WEIGHTS)
    ]


async def tune(bench: Bench, default: SearchParams) -> tuple[list[Run], Run, Run]:
    """Grid runs (top only) best first, then the best and the default with recall@100."""
    runs = []
    for params in tqdm(grid(), desc="grid", file=sys.stderr):
        runs.append(await evaluate(bench, SearchMode.HYBRID, params, deep=False))
    runs.sort(key=lambda run: (-run.scores.ndcg_at_10, -run.scores.mrr_at_10))
    best = await evaluate(bench, SearchMode.HYBRID, runs[0].params, deep=True)
    return runs, best, await evaluate(bench, SearchMode.HYBRID, default, deep=True)


# -- reporting -------------------------------------------------------------------------------


def published(data: Path) -> list[dict[str, Any]]:
    """Published SciFact TEST-split figures, from the copies in the dataset's published/.

    Only for the full SciFact folder: any other BEIR folder (or a cut of SciFact) has none.
    """
    if data.resolve().name.lower() != "scifact":
        return []
    refs: list[dict[str, Any]] = [
        {"system": "BM25 (BEIR paper)", "split": "test", "ndcg_at_10": BEIR_PAPER_BM25_NDCG10}
    ]
    for system, name in PUBLISHED_FILES.items():
        path = data / "published" / name
        if path.exists():
            test = json.loads(path.read_text())["scores"]["test"][0]
            refs.append({"system": system, "split": "test"} | {m: test[m] for m in METRIC_KEYS})
    return refs


def describe(params: SearchParams) -> str:
    """The parameters on one short line."""
    return (
        f"candidates={params.candidates} rrf_k={params.rrf_k} "
        f"w_dense={params.dense_weight:g} w_fts={params.fts_weight:g}"
    )


def _cells(values: Mapping[str, Any]) -> str:
    return "  ".join(
        f"{values[m]:7.4f}" if values.get(m) is not None else "      -" for m in METRIC_KEYS
    )


def table(title: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """A fixed-width table of the four metrics."""
    width = max(len(label) for label, _ in rows)
    header = f"{'':{width}}  nDCG@10     R@10    R@100   MRR@10"
    lines = [title, header] + [f"{label:{width}}  {_cells(values)}" for label, values in rows]
    return "\n".join(lines)


def run_row(run: Run, label: str | None = None) -> tuple[str, dict[str, Any]]:
    """A table row for a run, labelled with its parameters unless told otherwise."""
    return label or describe(run.params), asdict(run.scores)


def run_json(run: Run) -> dict[str, Any]:
    """A run as plain JSON."""
    return {
        "mode": str(run.mode),
        "params": asdict(run.params) if run.mode is SearchMode.HYBRID else None,
        **asdict(run.scores),
        "short_rankings": run.short_rankings,
    }


# -- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m evals.scifact_retrieval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--split", choices=["train", "test"], default="train")
    parser.add_argument("--limit", type=int, help="evaluate the first N judged queries only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--tune", action="store_true", help="grid-search SearchParams (train)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the BEIR folder")
    parser.add_argument("--concurrency", type=int, help="documents ingested at once")
    defaults = SearchParams()
    parser.add_argument("--candidates", type=int, help="default: TUTOR_SEARCH_CANDIDATES")
    parser.add_argument("--rrf-k", type=int, default=defaults.rrf_k)
    parser.add_argument("--dense-weight", type=float, default=defaults.dense_weight)
    parser.add_argument("--fts-weight", type=float, default=defaults.fts_weight)
    args = parser.parse_args(argv)
    if args.candidates is not None and args.candidates < TOP_CHUNKS:
        parser.error(f"--candidates below {TOP_CHUNKS} would be widened by the eval's own k")
    if args.tune and args.split != "train":
        parser.error("tune on train only; run test once with the chosen parameters")
    return args


async def prepare(
    settings: Settings, args: argparse.Namespace, embedder: LocalEmbedder
) -> dict[str, Any]:
    """Load the dataset, make sure the whole corpus is ingested; returns what happened."""
    dataset = load_beir(args.data, args.split)
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    started = time.monotonic()
    model = ChunkerTokenizerEmbedder(embedder)
    pool_size = worker_pool_size(settings)
    async with (
        opened(settings, pool_size=pool_size, redis=True, embedder=model) as resources,
        worker_deps(resources) as deps,
    ):
        owner_id = await eval_owner(deps.pool, eval_email(args.data))
        concurrency = args.concurrency or settings.worker_max_jobs
        outcomes = await ingest_corpus(deps, owner_id, dataset.corpus.values(), limits, concurrency)
    seconds = round(time.monotonic() - started, 1)
    return {"dataset": dataset, "owner_id": owner_id, "ingestion": dict(outcomes), "s": seconds}


def limited(dataset: BeirDataset, limit: int | None) -> BeirDataset:
    """The dataset with only its first `limit` judged queries (the corpus stays whole)."""
    if limit is None:
        return dataset
    keep = list(dataset.qrels)[:limit]
    return BeirDataset(
        dataset.corpus, {q: dataset.queries[q] for q in keep}, {q: dataset.qrels[q] for q in keep}
    )


async def measure(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """Ingest, embed the queries, run the three modes (and the grid); returns the results."""
    embedder = await asyncio.to_thread(build_embedder, settings)
    prepared = await prepare(settings, args, embedder)
    dataset = limited(prepared["dataset"], args.limit)
    ids = list(dataset.queries)
    vectors = await asyncio.to_thread(embedder.embed, [dataset.queries[q] for q in ids])
    vector_of = dict(zip(ids, vectors, strict=True))
    async with opened(settings, migrate=False, pool_size=SEARCH_CONNECTIONS) as resources:
        bench = Bench(resources.pool, prepared["owner_id"], dataset, vector_of)
        candidates = args.candidates or settings.search_candidates
        params = SearchParams(candidates, args.rrf_k, args.dense_weight, args.fts_weight)
        runs = [await evaluate(bench, mode, params, deep=True) for mode in SearchMode]
        tuning = await tune(bench, params) if args.tune else None
    return {"prepared": prepared, "dataset": dataset, "runs": runs, "tuning": tuning}


def report_text(results: dict[str, Any], args: argparse.Namespace) -> str:
    """The human-readable report."""
    dataset, runs, prepared = results["dataset"], results["runs"], results["prepared"]
    parts = [
        f"{args.data.resolve().name} {args.split}: {len(dataset.queries)} judged queries, "
        f"{len(dataset.corpus)} documents (ingestion {prepared['ingestion']} in {prepared['s']}s)",
        table(
            f"\n{args.split} split; hybrid with {describe(runs[0].params)}",
            [run_row(run, str(run.mode)) for run in runs],
        ),
        *comparisons(runs[0], runs[1:]),
    ]
    short = {str(r.mode): r.short_rankings for r in runs if r.short_rankings}
    if short:
        parts.append(f"queries with < 10 documents in the top {TOP_CHUNKS} chunks: {short}")
    if results["tuning"] is not None:
        grid_runs, best, default = results["tuning"]
        title = f"\nTuning on train: {len(grid_runs)} hybrid parameter sets, best nDCG@10 first"
        parts.append(table(title, [run_row(run) for run in grid_runs]))
        rows = [
            run_row(best, "best    " + describe(best.params)),
            run_row(default, "default " + describe(default.params)),
        ]
        parts += [table("\nHybrid, best against default:", rows), *comparisons(best, runs[1:])]
    refs = [(r["system"], r) for r in published(args.data)]
    if refs:
        parts.append(table("\nPublished references, SciFact TEST split (300 queries):", refs))
    else:
        parts.append("\nNo published references are known for this dataset.")
    return "\n".join(parts)


def comparisons(hybrid: Run, others: Sequence[Run]) -> list[str]:
    """Hybrid's nDCG@10 gain over each other run, with its paired-bootstrap interval."""
    lines = []
    for other in others:
        mean, low, high = paired_bootstrap(hybrid.per_query_ndcg, other.per_query_ndcg)
        lines.append(
            f"hybrid ({describe(hybrid.params)}) - {other.mode}: nDCG@10 {mean:+.4f} "
            f"(95% CI {low:+.4f} .. {high:+.4f})"
        )
    return lines


def report_json(results: dict[str, Any], args: argparse.Namespace) -> str:
    """The report as JSON."""
    report: dict[str, Any] = {
        "split": args.split,
        "queries": len(results["dataset"].queries),
        "documents": len(results["dataset"].corpus),
        "ingestion": results["prepared"]["ingestion"],
        "runs": [run_json(run) for run in results["runs"]],
        "published_test_references": published(args.data),
    }
    if results["tuning"] is not None:
        runs, best, default = results["tuning"]
        report["tuning"] = {
            "grid": [run_json(r) for r in runs],
            "best": run_json(best),
            "default": run_json(default),
        }
    return json.dumps(report, indent=2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the report."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(data_dir=Path(os.environ.get("TUTOR_DATA_DIR", DEFAULT_DATA_DIR)))
    with services(settings) as live:
        results = asyncio.run(measure(live, args))
    print(report_json(results, args) if args.json else report_text(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
