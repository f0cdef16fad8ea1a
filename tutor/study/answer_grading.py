"""Grading a student's answer to a practice question against its key.

A multiple-choice answer is the option picked, so it is right or wrong. A short answer is right
when it matches the key once both are normalised (case, accents, punctuation, articles, spacing,
number words), or when it shares enough of the key's words (SQuAD's token F1: "Denver Broncos"
for "the Broncos"). Otherwise the embedder's cosine similarity of answer and key decides: right
above a high threshold, wrong below a low one *if it shares no word with the key*, and between
them the verdict is left to the student.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ingestion.embedding import Embedder
from tutor.chat.question_checks import option_text

Verdict = Literal["correct", "incorrect", "uncertain"]

# Calibrated on the calibration half of the SQuAD 2.0 dev sample with all-MiniLM-L6-v2 (other
# annotators' answers as right answers, answers to other questions on the same paragraph as
# wrong ones; `python -m evals.short_answer_grading` prints the figures). Similarity alone
# could not separate them: at 95 % precision each way it left 40 % of right and 55 % of wrong
# answers uncertain (49.5 % accuracy counting uncertain as wrong), because neighbouring answers
# share the paragraph's topic. Words shared with the key do separate them: any real overlap
# (F1 >= 0.25) is right 95-97 % of the time, and 94-95 % of wrong answers share no word.
# HIGH: the lowest similarity where "correct" reaches 95 % precision on what the words leave
# undecided; LOW: the highest below which "incorrect" (among answers sharing no word with the
# key) reaches 90 %. Held-out half (89 right, 107 wrong): "correct" 93.0 % precise, "incorrect"
# 95.8 %, 94.3 % accuracy on the decided ones; uncertain 6.7 % of right and 29.9 % of wrong
# answers; 76.0 % accuracy counting uncertain as wrong.
MIN_OVERLAP_F1 = 0.25
HIGH_SIMILARITY = 0.4669
LOW_SIMILARITY = 0.2210

ARTICLES = frozenset({"a", "an", "the"})
UNITS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
TENS = {
    word: 10 * value
    for value, word in enumerate(
        "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2
    )
}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
NUMBER_WORDS = UNITS.keys() | TENS.keys() | SCALES.keys()
# Kept inside numbers ("3.5", "1,000"); everywhere else punctuation goes, as in SQuAD.
DIGIT_SEPARATOR = re.compile(r"(?<=\d)[.,](?=\d)")
SPACING_PUNCTUATION = re.compile(r"[-‐‑‒–—/_]")


@dataclass(frozen=True, slots=True)
class Grade:
    """A verdict, whether it counts as correct (None while uncertain), and the similarity."""

    verdict: Verdict
    correct: bool | None
    similarity: float | None = None


def normalise(text: str) -> str:
    """SQuAD-style: case, accents, punctuation, articles and spacing gone; number words as
    digits ("Twenty-one" and "21" both become "21")."""
    # Case folding can yield characters that decompose further, and decomposing can yield
    # capitals (compatibility letters): both ways round, so a second pass changes nothing.
    text = unicodedata.normalize("NFKD", text.replace("\0", ""))
    text = unicodedata.normalize("NFKD", text.casefold()).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = SPACING_PUNCTUATION.sub(" ", DIGIT_SEPARATOR.sub(_keep_decimal_point, text))
    text = "".join(c for c in text if _kept(c))
    words = [w for w in text.replace("\0", ".").split() if w not in ARTICLES]
    return " ".join(numbers_as_digits(words))


def _keep_decimal_point(match: re.Match[str]) -> str:
    # A decimal point survives the punctuation pass as a placeholder; a thousands comma goes.
    return "\0" if match.group() == "." else ""


def _kept(char: str) -> bool:
    category = unicodedata.category(char)
    return char == "\0" or category[0] in "LN" or category[0] == "Z" or char.isspace()


def numbers_as_digits(words: list[str]) -> list[str]:
    """Each run of number words as one number: ["two", "hundred", "five"] -> ["205"]."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if word in NUMBER_WORDS:
            run.append(word)
            continue
        if run:
            out.append(str(number_value(run)))
            run = []
        if word:
            out.append(word)
    return out


def number_value(words: list[str]) -> int:
    """The value of a run of English number words ("three thousand two hundred" -> 3200)."""
    total = current = 0
    for word in words:
        if word in SCALES and SCALES[word] == 100:
            current = (current or 1) * 100
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
        else:
            current += UNITS.get(word, 0) + TENS.get(word, 0)
    return total + current


def grade_choice(answer: str, key: str) -> Grade:
    """A picked option against the key option, compared as options are written: `normalise`
    drops signs and symbols, which made "-5" the key "5" and "(x + 1)" the key "(x - 1)"."""
    correct = option_text(answer) == option_text(key)
    return Grade("correct" if correct else "incorrect", correct)


def token_f1(answer: str, key: str) -> float:
    """SQuAD's token F1 of the normalised answer against the normalised key."""
    answer_words, key_words = normalise(answer).split(), normalise(key).split()
    common = sum((Counter(answer_words) & Counter(key_words)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(answer_words), common / len(key_words)
    return 2 * precision * recall / (precision + recall)


def grade_by_words(answer: str, key: str) -> Grade | None:
    """The verdict the words alone give (a match, or enough of the key's words), else None."""
    if normalise(answer) == normalise(key):
        return Grade("correct", True)
    if not normalise(answer):
        return Grade("incorrect", False)
    if token_f1(answer, key) >= MIN_OVERLAP_F1:
        return Grade("correct", True)
    return None


def grade_by_similarity(similarity: float, shares_words: bool = False) -> Grade:
    """The verdict the calibrated thresholds give a similarity; an answer sharing a word with
    the key is never called wrong on similarity alone."""
    if similarity >= HIGH_SIMILARITY:
        return Grade("correct", True, similarity)
    if similarity < LOW_SIMILARITY and not shares_words:
        return Grade("incorrect", False, similarity)
    return Grade("uncertain", None, similarity)


def grade_from(answer: str, key: str, similarity: float) -> Grade:
    """The whole rule, given the answer-key similarity (which the words may make unneeded)."""
    by_words = grade_by_words(answer, key)
    if by_words is not None:
        return by_words
    return grade_by_similarity(similarity, token_f1(answer, key) > 0)


def similarity(embedder: Embedder, answer: str, key: str) -> float:
    """Cosine similarity of the two texts' embeddings (blocking: run it off the event loop)."""
    vectors = np.asarray(embedder.embed([answer, key]), dtype=np.float32)
    return float(np.dot(vectors[0], vectors[1]))


def grade_short_sync(embedder: Embedder, answer: str, key: str) -> Grade:
    """A short answer against its key: the words first, then similarity."""
    by_words = grade_by_words(answer, key)
    if by_words is not None:
        return by_words
    return grade_from(answer, key, similarity(embedder, answer, key))


async def grade_short(embedder: Embedder, answer: str, key: str) -> Grade:
    """`grade_short_sync` with the embedding done off the event loop."""
    by_words = grade_by_words(answer, key)
    if by_words is not None:
        return by_words
    return await asyncio.to_thread(grade_short_sync, embedder, answer, key)
