"""Answer metrics as SQuAD computes them: normalised exact match, token F1, and containment.

Each takes the tutor's text and the gold answers and keeps the best over the golds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from evals.tutor_datasets import squad_normalise
from tutor.chat.citations import strip_markers


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    text = squad_normalise(strip_markers(prediction))
    return float(any(text == squad_normalise(g) for g in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """The best token-overlap F1 between the prediction and any gold answer."""
    predicted = squad_normalise(strip_markers(prediction)).split()
    best = 0.0
    for gold in golds:
        wanted = squad_normalise(gold).split()
        common = sum((Counter(predicted) & Counter(wanted)).values())
        if common:
            precision, recall = common / len(predicted), common / len(wanted)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains(text: str, golds: Sequence[str]) -> float:
    """1.0 when a normalised gold answer appears, on word boundaries, in the normalised text."""
    haystack = f" {squad_normalise(strip_markers(text))} "
    return float(any(f" {squad_normalise(g)} " in haystack for g in golds if squad_normalise(g)))
