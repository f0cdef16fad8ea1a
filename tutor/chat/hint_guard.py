"""Does a hint give the answer away? Checked on wording, on numbers and on meaning.

A hint leaks when it contains the final answer as words or states the answer's number (unless
the problem itself already states them), or says essentially what the answer says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.chat.citations import strip_markers

NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?")
FINAL_ANSWER = re.compile(r"final answer\s*[:：]\s*(.+)", re.IGNORECASE)
# Embedding similarity only means something for answers with some words in them.
MIN_WORDS_FOR_MEANING = 3
MEANING_THRESHOLD = 0.86


def normalise(text: str) -> str:
    """Lower case, accents and punctuation gone, numbers canonical, single spaces."""
    text = unicodedata.normalize("NFKD", strip_markers(text)).encode("ascii", "ignore").decode()
    text = NUMBER.sub(lambda m: f" {canonical_number(m.group())} ", text.lower())
    return " ".join(re.sub(r"[^a-z0-9.\s-]", " ", text).replace(". ", " ").split()).strip(" .")


def canonical_number(raw: str) -> str:
    """`1,000.50` → `1000.5`, `18.0` → `18`, `−3` → `-3`."""
    value = float(raw.replace(",", "").replace("−", "-"))
    return str(int(value)) if value.is_integer() else repr(value)


def numbers(text: str) -> set[str]:
    """Every number in the text, canonical."""
    return {canonical_number(m) for m in NUMBER.findall(text.replace("$", " "))}


def final_answer(solution: str) -> str:
    """The answer from a worked solution ending `Final answer: X`, or its last line."""
    found = FINAL_ANSWER.findall(solution)
    lines = [line.strip() for line in solution.strip().splitlines() if line.strip()]
    answer = found[-1] if found else (lines[-1] if lines else "")
    return answer.strip(" *.`_")


@dataclass(frozen=True)
class Leak:
    """Why a hint was judged to give the answer away."""

    reason: str  # "words" | "number" | "meaning"


def find_leak(
    hint: str,
    answer: str,
    problem: str,
    similarity: Callable[[str, str], float] | None = None,
) -> Leak | None:
    """The first way `hint` gives `answer` away, or None when it does not."""
    hint_n, answer_n = normalise(hint), normalise(answer)
    # Repeating what the problem itself says gives nothing away.
    if answer_n and _contains(hint_n, answer_n) and not _contains(normalise(problem), answer_n):
        return Leak("words")
    answer_numbers = numbers(answer)
    if answer_numbers and len(answer_n.split()) <= 4:
        # For a numeric answer the number is the answer; one already in the problem is fair.
        if (answer_numbers & numbers(hint)) - numbers(problem):
            return Leak("number")
    if similarity is not None and len(answer_n.split()) >= MIN_WORDS_FOR_MEANING:
        if max((similarity(s, answer) for s in sentences(hint)), default=0.0) >= (
            MEANING_THRESHOLD
        ):
            return Leak("meaning")
    return None


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(phrase)}(?![\w]|\.\d)", text) is not None


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    return float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))


def sentences(text: str) -> list[str]:
    """The text's sentences, citation markers removed."""
    return [s for s in re.split(r"(?<=[.!?])\s+", strip_markers(text)) if s.strip()]
