"""Calibrate the tutor's answerability threshold on the calibration half of SQuAD 2.0.

`TUTOR_DATA_DIR=/tmp/eval-data python -m evals.answerability_calibration --limit 160`

Every item goes through the engine's own retrieval and packing (`TutorEngine.prepare_answer`),
then through each probe version given with `--probe`; no answer is generated, so this is fast
enough to run on hundreds of items. For each probe it prints the threshold that maximises the
worse of the two rates the tutor is held to (unanswerable questions declined, answerable ones
answered), and the ROC AUC. `tutor eval tutor --suite no-answer` then reports the chosen
threshold on the held-out half, which calibration never sees.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.tutor_datasets import Suite, no_answer
from evals.tutor_quality import EVAL_SEED, ingest_notes, suite_owner
from ingestion.uploads import UploadLimits
from tutor.chat.answerability import answerable_probability
from tutor.chat.asks import Ask, Mode
from tutor.chat.engine import TutorEngine
from tutor.chat.reply import Reply
from tutor.llm.prompts import DEFAULT_DIR, load_prompt
from tutor.resources import opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps
from tutor.settings import Settings


@dataclass(frozen=True)
class Operating:
    """One threshold and the two rates it gives."""

    threshold: float
    declined_unanswerable: float
    answered_answerable: float

    @property
    def worse(self) -> float:
        return min(self.declined_unanswerable, self.answered_answerable)


def operating_point(scores: list[tuple[float | None, bool]], threshold: float) -> Operating:
    """Rates at `threshold`: an item is answered when its score is at least the threshold.

    A None score (no sources at all) is always declined, as the tutor does.
    """
    answerable = [s for s, a in scores if a]
    unanswerable = [s for s, a in scores if not a]
    answered = sum(s is not None and s >= threshold for s in answerable)
    declined = sum(s is None or s < threshold for s in unanswerable)
    return Operating(
        threshold,
        declined / len(unanswerable) if unanswerable else 0.0,
        answered / len(answerable) if answerable else 0.0,
    )


def best_threshold(scores: list[tuple[float | None, bool]]) -> Operating:
    """The threshold with the best worse-rate; ties go to the better sum of both rates."""
    candidates = sorted({s for s, _ in scores if s is not None} | {0.0})
    points = [operating_point(scores, t) for t in candidates]
    return max(points, key=lambda p: (p.worse, p.declined_unanswerable + p.answered_answerable))


def roc_auc(scores: list[tuple[float | None, bool]]) -> float:
    """Chance that an answerable item outscores an unanswerable one (None scores lowest)."""
    low = -1.0
    positive = [low if s is None else s for s, a in scores if a]
    negative = [low if s is None else s for s, a in scores if not a]
    if not positive or not negative:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


async def probe_items(settings: Settings, suite: Suite, probes: list[str]) -> list[dict[str, Any]]:
    """For each item: the packed sources' best similarity and each probe's P(yes)."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    prompts = [load_prompt(ref, settings.prompts_dir or DEFAULT_DIR) for ref in probes]
    rows = []
    async with opened(settings, redis=True, embedder=True, chat=True, seed=EVAL_SEED) as resources:
        async with worker_deps(resources) as deps:
            owner_id = await suite_owner(deps.pool, suite.name)
            await ingest_notes(deps, owner_id, suite, limits)
        engine = TutorEngine(resources.pool, resources.embedder, resources.chat_model, settings)
        for item in tqdm(suite.items, desc="calibration", unit="item", file=sys.stderr):
            reply = Reply(
                uuid.uuid4(), uuid.uuid4(), owner_id, Mode.ANSWER, "", lambda _event: None
            )
            ask = Ask(mode=Mode.ANSWER, text=item.text)
            prepared = await engine.prepare_answer(reply, ask, engine.prompts.answer)
            row: dict[str, Any] = {"id": item.id, "answerable": item.answerable}
            if prepared is not None:
                sources, messages = prepared
                row["similarity"] = max(s.similarity for s in sources)
                for ref, prompt in zip(probes, prompts, strict=True):
                    started = time.perf_counter()
                    row[ref] = await answerable_probability(engine.model, prompt, messages)
                    row[f"{ref} ms"] = round((time.perf_counter() - started) * 1000)
            rows.append(row)
    return rows


def report(rows: list[dict[str, Any]], probes: list[str]) -> dict[str, Any]:
    """Per probe: AUC and the best operating point on these rows."""
    result = {}
    for ref in probes:
        scores = [(r.get(ref), bool(r["answerable"])) for r in rows]
        best = best_threshold(scores)
        result[ref] = {
            "auc": round(roc_auc(scores), 4),
            "threshold": round(best.threshold, 4),
            "declined_unanswerable": round(best.declined_unanswerable, 4),
            "answered_answerable": round(best.answered_answerable, 4),
        }
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="items, balanced (default all)")
    parser.add_argument("--probe", action="append", help="probe prompt, e.g. answerable@v1")
    parser.add_argument("--rows", type=Path, help="write per-item scores here (JSON)")
    args = parser.parse_args(argv)
    probes = args.probe or ["answerable"]
    suite = no_answer(args.limit, half="calibration")
    with services(Settings(), chat=True) as settings:
        rows = asyncio.run(probe_items(settings, suite, probes))
    if args.rows:
        args.rows.write_text(json.dumps(rows, indent=2))
    print(json.dumps(report(rows, probes), indent=2))


if __name__ == "__main__":
    main()
