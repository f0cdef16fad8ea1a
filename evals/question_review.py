"""How well the question checker flags defective multiple-choice questions (MMLU-Redux).

MMLU-Redux (`../shared/data/mmlu-redux`) gives 5,700 MMLU questions an expert label: `ok`, or
one of six defects (wrong ground truth, unclear question, unclear options, no correct answer,
several correct answers, expert knowledge needed). Three detectors are scored against it:

- `checks`: the deterministic defect checks practice writing applies
  (`tutor.chat.question_checks`: option count, empty or duplicate options, key not exactly one
  option, truncated options, an option copying the stem);
- `style`: item-writing guideline flags practice writing also drops on (catch-all options such
  as "all of the above", questions referring to a picture). They are not defects in the
  experts' sense, so they are scored apart;
- `model` (model-judged, labelled as such): the chat model answers blind (`verify` prompt); a
  pick other than the key disputes it.

Per detector: precision and recall on the defective items, the false-flag rate on `ok` ones,
and recall per defect. `--limit N` takes a fixed sample, half defective and half `ok`.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.tutor_datasets import SEED, SHARED
from tutor.chat.question_checks import question_flags
from tutor.chat.question_verifier import blind_pick
from tutor.llm.chat_model import ChatModel
from tutor.llm.prompts import Prompt

STYLE_FLAGS = frozenset({"catch_all_option", "refers_to_picture"})
DETECTORS = ("checks", "style", "model")
DATASET = SHARED / "mmlu-redux" / "mmlu_redux.jsonl"


@dataclass(frozen=True)
class LabelledQuestion:
    """One MMLU question with its key and the experts' label."""

    id: str
    question: str
    options: list[str]
    key: int
    label: str

    @property
    def defective(self) -> bool:
        return self.label != "ok"


def load_questions(limit: int | None, path: Path = DATASET) -> list[LabelledQuestion]:
    """Every question, or a fixed sample of `limit`: half defective, half `ok`."""
    questions = []
    # Not splitlines(): it also splits on the U+2028 and \r that some questions contain.
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(
            LabelledQuestion(
                id=f"{row['subject']}/{row['row']}",
                question=row["question"],
                options=row["choices"],
                key=row["answer"],
                label=row["error_type_norm"],
            )
        )
    if limit is None or limit >= len(questions):
        return questions
    rng = random.Random(SEED)
    defective = [q for q in questions if q.defective]
    fine = [q for q in questions if not q.defective]
    half = min(limit // 2, len(defective))
    return rng.sample(defective, half) + rng.sample(fine, limit - half)


async def review_one(
    question: LabelledQuestion, model: ChatModel | None, prompt: Prompt | None
) -> dict[str, Any]:
    """Every detector's verdict on one question."""
    flags = question_flags(question.question, question.options, question.options[question.key])
    row: dict[str, Any] = {
        "id": question.id,
        "label": question.label,
        "defective": int(question.defective),
        "checks": int(any(f not in STYLE_FLAGS for f in flags)),
        "style": int(any(f in STYLE_FLAGS for f in flags)),
        "flags": flags,
    }
    if model is not None and prompt is not None:
        pick = await blind_pick(model, prompt, question.question, question.options)
        row["model"] = int(pick is not None and pick != question.key)
        row["model_agrees"] = int(pick == question.key)
        row["pick"] = pick
    return row


def detector_scores(rows: Sequence[dict[str, Any]], detector: str) -> dict[str, float | None]:
    """Precision, recall, F1 and the false-flag rate of one detector; recall per defect."""
    scored = [r for r in rows if detector in r]
    if not scored:
        return {}
    flagged = [r for r in scored if r[detector]]
    defective = [r for r in scored if r["defective"]]
    fine = [r for r in scored if not r["defective"]]
    hits = sum(r["defective"] for r in flagged)
    precision = hits / len(flagged) if flagged else None
    recall = hits / len(defective) if defective else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    scores = {
        f"{detector}_precision": precision,
        f"{detector}_recall": recall,
        f"{detector}_f1": f1,
        f"{detector}_false_flag_rate": (len(flagged) - hits) / len(fine) if fine else None,
    }
    for label in sorted({r["label"] for r in defective}):
        of_label = [r for r in defective if r["label"] == label]
        scores[f"{detector}_recall_{label}"] = sum(r[detector] for r in of_label) / len(of_label)
    return {k: round(v, 4) if v is not None else None for k, v in scores.items()}


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every detector's scores, plus the model's blind accuracy on the `ok` questions."""
    share = sum(r["defective"] for r in rows) / len(rows) if rows else None
    metrics: dict[str, Any] = {"defective_share": round(share, 4) if share is not None else None}
    for detector in DETECTORS:
        metrics |= detector_scores(rows, detector)
    fine = [r for r in rows if "model_agrees" in r and not r["defective"]]
    if fine:
        metrics["model_accuracy_on_ok"] = round(sum(r["model_agrees"] for r in fine) / len(fine), 4)
    return metrics


async def run_review(
    questions: list[LabelledQuestion], model: ChatModel | None, prompt: Prompt | None
) -> dict[str, Any]:
    """Review every question; rows and aggregates."""
    started = time.monotonic()
    rows = []
    for question in tqdm(
        questions, desc="questions", unit="item", file=sys.stderr, disable=model is None
    ):
        rows.append(await review_one(question, model, prompt))
    return {
        "items": len(rows),
        "seconds": round(time.monotonic() - started, 1),
        "metrics": aggregate(rows),
        "rows": rows,
    }
