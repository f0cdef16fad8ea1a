"""The relevance gate before the model: how often it keeps answerable questions' sources and
turns unanswerable ones away, calibrated on one half of the data and reported on the other.

    TUTOR_DATA_DIR=/tmp/gate-data python benchmarks/answerability_gate.py [--xquad 300]

Data: the shared SQuAD 2.0 dev sample (500 questions over their contexts, about half
unanswerable: written to look answerable from the context) and XQuAD English (answerable;
a fixed sample). Notes go through the real ingestion path; each question is embedded and
searched as the tutor does, and the gate (tutor/chat/answerability.py) decides from the
top-k hits' cosine similarity and rare-term coverage. No chat model runs: this is the
retrieval half of "should the tutor answer?", the part that costs milliseconds.

Items are split in two halves by a hash of their id. Thresholds are chosen on the first half
(the best balanced accuracy: the mean of answerable kept and unanswerable declined) and
reported on the second, next to dense similarity alone and to the current settings.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run_info import cpu_summary, print_load, source_state
from evals.tutor_datasets import Item, Suite, grounded_qa, no_answer
from evals.tutor_quality import ingest_notes, suite_owner
from ingestion.uploads import UploadLimits
from retrieval.relevance import search_with_evidence
from retrieval.scopes import Scope
from retrieval.search import SearchParams, embed_query
from tutor.chat.answerability import RelevanceGate
from tutor.resources import opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps
from tutor.settings import Settings

SIMILARITIES = [round(0.15 + 0.025 * i, 3) for i in range(13)]  # 0.15 .. 0.45
SHARES = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]  # 1.01: the lexical rescue off
FLOORS = [0.0, 0.05, 0.1, 0.15, 0.2]


@dataclass(frozen=True)
class Observed:
    """One question: whether it can be answered from the notes, and its hits' evidence."""

    item: Item
    evidence: tuple[tuple[float, float], ...]  # (similarity, lexical share) per hit

    @property
    def calibration(self) -> bool:
        return hashlib.sha256(self.item.id.encode()).digest()[0] % 2 == 0


def admitted(observed: Observed, gate: RelevanceGate) -> bool:
    """True when the gate would show the model at least one source."""
    return any(gate.admits(similarity, share) for similarity, share in observed.evidence)


def rates(rows: Iterable[Observed], gate: RelevanceGate) -> tuple[float, float, int, int]:
    """(answerable kept, unanswerable declined, how many of each)."""
    rows = list(rows)
    answerable = [r for r in rows if r.item.answerable]
    unanswerable = [r for r in rows if not r.item.answerable]
    kept = sum(admitted(r, gate) for r in answerable) / max(1, len(answerable))
    declined = sum(not admitted(r, gate) for r in unanswerable) / max(1, len(unanswerable))
    return kept, declined, len(answerable), len(unanswerable)


async def observe(settings: Settings, suite: Suite) -> list[Observed]:
    """Ingest the suite's notes and collect every question's evidence."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    async with opened(settings, redis=True, embedder=True) as resources:
        async with worker_deps(resources) as deps:
            owner_id = await suite_owner(deps.pool, f"gate-{suite.name}")
            await ingest_notes(deps, owner_id, suite, limits)
        return [await evidence(resources, settings, owner_id, item) for item in suite.items]


async def evidence(resources: object, settings: Settings, owner_id: UUID, item: Item) -> Observed:
    embedder, pool = resources.embedder, resources.pool  # type: ignore[attr-defined]
    embedding = await embed_query(embedder, item.text)
    params = SearchParams(candidates=settings.search_candidates)
    async with pool.connection() as conn:
        found = await search_with_evidence(
            conn, [Scope(owner_id)], item.text, embedding, k=settings.tutor_top_k, params=params
        )
    ids = [h.chunk_id for h in found.hits]
    pairs = ((found.similarity.get(i, 0.0), found.lexical.get(i, 0.0)) for i in ids)
    return Observed(item, tuple(pairs))


def calibrate(rows: Sequence[Observed]) -> RelevanceGate:
    """The thresholds with the best balanced accuracy on `rows` (ties: the simplest)."""
    best, best_score = RelevanceGate(), -1.0
    for similarity, share, floor in itertools.product(SIMILARITIES, SHARES, FLOORS):
        gate = RelevanceGate(similarity, share, floor)
        kept, declined, _, _ = rates(rows, gate)
        score = (kept + declined) / 2
        if score > best_score + 1e-9:
            best, best_score = gate, score
    return best


def report(label: str, rows: Sequence[Observed], gate: RelevanceGate) -> None:
    kept, declined, answerable, unanswerable = rates(rows, gate)
    print(
        f"  {label:<34} answerable kept {kept:6.1%} (of {answerable:3d})"
        f"   unanswerable declined {declined:6.1%} (of {unanswerable:3d})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xquad", type=int, default=300, help="XQuAD questions (answerable)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print(f"source {source_state()}; {cpu_summary()}")
    print_load("before")
    with services(Settings()) as settings:
        squad = asyncio.run(observe(settings, no_answer(None)))
        xquad = asyncio.run(observe(settings, grounded_qa(args.xquad)))
    current = RelevanceGate(
        settings.tutor_min_similarity,
        settings.tutor_min_lexical_share,
        settings.tutor_lexical_floor,
    )
    dense_only = RelevanceGate(settings.tutor_min_similarity, 1.01, 1.0)
    chosen = calibrate([r for r in squad + xquad if r.calibration])
    print(
        f"calibrated on half of SQuAD 2.0 + XQuAD: min_similarity {chosen.min_similarity}, "
        f"min_lexical_share {chosen.min_lexical_share}, lexical_floor {chosen.lexical_floor}"
    )
    for name, rows in (("SQuAD 2.0 sample", squad), ("XQuAD (all answerable)", xquad)):
        held_out = [r for r in rows if not r.calibration]
        print(f"{name}, held-out half:")
        report(f"dense only (>= {dense_only.min_similarity})", held_out, dense_only)
        report("current settings", held_out, current)
        report("calibrated", held_out, chosen)
    print_load("after")
    print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
