"""Calibrate and report the short-answer grader's two similarity thresholds on SQuAD 2.0.

`python -m evals.short_answer_grading`

Only answerable questions count. Each question's first annotator answer is the key; the other
annotators' answers are right answers to grade, and the answers to the other questions on the
same paragraph are wrong ones (those that match one of the question's own answers are left
out). The questions fall into the two fixed halves the answerability calibration uses:
thresholds are picked on the calibration half, and the grader with the thresholds in
`tutor.study.answer_grading` is reported on the held-out half.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.run_info import cpu_summary, source_state
from evals.tutor_datasets import SHARED, squad2_halves
from ingestion.embedding import Embedder, SentenceTransformerEmbedder
from tutor.study import answer_grading
from tutor.study.answer_grading import (
    Grade,
    grade_by_words,
    grade_from,
    normalise,
    token_f1,
)

TARGET_PRECISION = 0.95
# Calling a right answer wrong is checked by the student, who sees the key: a lower bar.
LOW_PRECISION = 0.90


@dataclass(frozen=True, slots=True)
class Pair:
    """A graded answer: the question, its key, an answer, and whether that answer is right."""

    question_id: str
    key: str
    answer: str
    right: bool


def pairs(root: Path = SHARED) -> dict[str, list[Pair]]:
    """Every (key, answer) pair of the sample, by half ("calibration", "held-out")."""
    folder = root / "squad2-dev-sample500"
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))["queries"]
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    answers = {q["id"]: truth[q["id"]]["answers"] for q in queries if truth[q["id"]]["answers"]}
    paragraph = {q["id"]: q["context"] for q in queries if q["id"] in answers}
    _, halves = squad2_halves(root)
    return {
        half: [
            pair
            for item in items
            if item.id in answers
            for pair in pairs_of(item.id, answers, paragraph)
        ]
        for half, items in halves.items()
    }


def pairs_of(
    question_id: str, answers: dict[str, list[str]], paragraph: dict[str, str]
) -> list[Pair]:
    """One question's right answers (other annotators') and wrong ones (its neighbours')."""
    key, *others = answers[question_id]
    own = {normalise(a) for a in answers[question_id]}
    # A copy of the key proves nothing; a variant of it tests the normaliser.
    right = [a for a in unique(others) if a != key]
    neighbours = [
        answer
        for other, context in paragraph.items()
        if context == paragraph[question_id] and other != question_id
        for answer in answers[other]
    ]
    wrong = [a for a in unique(neighbours) if normalise(a) not in own]
    return [Pair(question_id, key, a, True) for a in right] + [
        Pair(question_id, key, a, False) for a in wrong
    ]


def unique(texts: Iterable[str]) -> list[str]:
    """The texts without repeats, in order."""
    return list(dict.fromkeys(texts))


def similarities(embedder: Embedder, items: Sequence[Pair]) -> np.ndarray:
    """Each pair's answer-key cosine similarity, each distinct text embedded once."""
    texts = unique(t for p in items for t in (p.key, p.answer))
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    row = {text: i for i, text in enumerate(texts)}
    return np.array([float(vectors[row[p.key]] @ vectors[row[p.answer]]) for p in items])


def matched(item: Pair) -> bool:
    """Whether the normalised match alone already calls the answer correct."""
    return normalise(item.answer) == normalise(item.key)


def pick_high(scores: np.ndarray, right: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The lowest similarity from which "correct" is right at least `target` of the time."""
    for threshold in sorted(set(scores.tolist())):
        chosen = scores >= threshold
        if right[chosen].mean() >= target:
            return float(threshold)
    return 1.0


def pick_low(scores: np.ndarray, right: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The highest similarity below which "incorrect" is right at least `target` of the time."""
    for threshold in sorted(set(scores.tolist()), reverse=True):
        chosen = scores < threshold
        if chosen.any() and (~right[chosen]).mean() >= target:
            return float(threshold)
    return 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """How the grader does on a set of pairs."""

    right: int
    wrong: int
    decided_accuracy: float
    precision_correct: float
    precision_incorrect: float
    uncertain_among_right: float
    uncertain_among_wrong: float
    overall_accuracy: float


def grades(items: Sequence[Pair], scores: np.ndarray) -> list[Grade]:
    """The grader's verdict on each pair, given the pairs' similarities."""
    return [grade_from(p.answer, p.key, s) for p, s in zip(items, scores.tolist(), strict=True)]


def report(items: Sequence[Pair], scores: np.ndarray) -> Report:
    """Accuracy on the decided pairs, the uncertain shares, and accuracy counting uncertain as
    wrong."""
    verdicts = grades(items, scores)
    right = np.array([p.right for p in items])
    correct = np.array([g.verdict == "correct" for g in verdicts])
    incorrect = np.array([g.verdict == "incorrect" for g in verdicts])
    decided = correct | incorrect
    good = (correct & right) | (incorrect & ~right)
    return Report(
        right=int(right.sum()),
        wrong=int((~right).sum()),
        decided_accuracy=share(good[decided]),
        precision_correct=share(right[correct]),
        precision_incorrect=share(~right[incorrect]),
        uncertain_among_right=share(~decided[right]),
        uncertain_among_wrong=share(~decided[~right]),
        overall_accuracy=share(good),
    )


def share(flags: np.ndarray) -> float:
    """The share of true flags; NaN for none."""
    return float(flags.mean()) if flags.size else float("nan")


def calibrate(items: Sequence[Pair], scores: np.ndarray) -> tuple[float, float]:
    """(high, low) picked on the pairs the words leave to similarity: high for 95 % precise
    "correct", low for 90 % precise "incorrect" among those sharing no word with the key."""
    undecided = np.array([grade_by_words(p.answer, p.key) is None for p in items])
    no_shared = undecided & np.array([token_f1(p.answer, p.key) == 0 for p in items])
    right = np.array([p.right for p in items])
    return (
        pick_high(scores[undecided], right[undecided]),
        pick_low(scores[no_shared], right[no_shared], target=LOW_PRECISION),
    )


def print_report(name: str, figures: Report) -> None:
    """One half's figures."""
    print(f"{name}: {figures.right} right answers, {figures.wrong} wrong answers")
    print(f"  accuracy on decided        {figures.decided_accuracy:.3f}")
    print(f"  precision of 'correct'     {figures.precision_correct:.3f}")
    print(f"  precision of 'incorrect'   {figures.precision_incorrect:.3f}")
    print(f"  uncertain among right      {figures.uncertain_among_right:.3f}")
    print(f"  uncertain among wrong      {figures.uncertain_among_wrong:.3f}")
    print(f"  overall (uncertain=wrong)  {figures.overall_accuracy:.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    """Pick thresholds on the calibration half; report the configured ones on the held-out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    print(f"source {source_state()}; {cpu_summary()}")
    embedder = SentenceTransformerEmbedder()
    halves = pairs()
    calibration, held_out = halves["calibration"], halves["held-out"]
    calibration_scores = similarities(embedder, calibration)
    high, low = calibrate(calibration, calibration_scores)
    print(
        f"picked on calibration: high {high:.4f} (precision {TARGET_PRECISION}), "
        f"low {low:.4f} (precision {LOW_PRECISION})"
    )
    print(f"configured: high {answer_grading.HIGH_SIMILARITY}, low {answer_grading.LOW_SIMILARITY}")
    print_report("calibration", report(calibration, calibration_scores))
    print_report("held-out", report(held_out, similarities(embedder, held_out)))


if __name__ == "__main__":
    main()
