"""Checks a multiple-choice question can pass or fail on its own text, with no source.

Practice writing drops an item that fails any of them (`practice.check_item` adds the source
checks); `tutor eval questions` measures how well they flag the defective questions that
experts labelled in MMLU-Redux. Every check is independent, so an item reports all its flags,
not just the first.
"""

from __future__ import annotations

import re
import unicodedata

OPTION_COUNT = 4
# An option ending in one of these words was cut off mid-phrase.
DANGLING_WORDS = frozenset(
    "a an the and or of to in on at for with by from than as except but nor".split()
)
# Item-writing guidelines advise against these options: a student can answer by elimination,
# and a second correct option makes "all of the above" ambiguous.
CATCH_ALL = re.compile(
    r"^(all|none|neither|both) of (the )?(above|these|them|the options)\b"
    r"|^both [a-d] and [a-d]\b|^(all|none) of the following\b",
    re.IGNORECASE,
)
# The student sees only the question text; pictures are never part of it.
MISSING_PICTURE = re.compile(
    r"\b(figure|graph|diagram|picture|image|chart|illustration|map)\b( below| above| shown)?",
    re.IGNORECASE,
)
STEM_WORDS = 8  # an option repeating this many of the stem's first words copies the stem


def question_flags(question: str, options: list[str], key: str) -> list[str]:
    """Every defect found in a question, its options and its key (the key's option text)."""
    flags = _option_flags(options, key)
    if any(_truncated(o) for o in options):
        flags.append("truncated_option")
    if any(CATCH_ALL.search(o.strip()) for o in options):
        flags.append("catch_all_option")
    if _copies_stem(question, options):
        flags.append("option_copies_question")
    if MISSING_PICTURE.search(question):
        flags.append("refers_to_picture")
    return flags


def option_defects(option: str) -> list[str]:
    """The defects one option has on its own: empty, cut off mid-phrase, or a catch-all."""
    if not option_text(option):
        return ["empty_option"]
    flags = ["truncated_option"] if _truncated(option) else []
    return flags + (["catch_all_option"] if CATCH_ALL.search(option.strip()) else [])


def option_text(text: str) -> str:
    """An option compared as written: case, spacing, dashes and final punctuation aside.

    Lighter than `hint_guard.normalise`, which drops symbols: `(x - 1)` and `(x + 1)` must stay
    different options.
    """
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u2013", "-")
    return " ".join(text.casefold().split()).rstrip(".!?;, ").strip()


def _option_flags(options: list[str], key: str) -> list[str]:
    normalised = [option_text(o) for o in options]
    flags = []
    if len(options) != OPTION_COUNT:
        flags.append("not_four_options")
    if not all(normalised):
        flags.append("empty_option")
    if len(set(normalised)) != len(normalised):
        flags.append("duplicate_options")
    if normalised.count(option_text(key)) != 1:
        flags.append("key_not_one_option")
    return flags


def _truncated(option: str) -> bool:
    text = option.strip()
    if text.endswith((":", "(")):
        return True
    words = text.lower().split()
    return len(words) > 1 and words[-1] in DANGLING_WORDS


def _copies_stem(question: str, options: list[str]) -> bool:
    stem = option_text(question).split()
    if len(stem) < STEM_WORDS:
        return False
    opening = " ".join(stem[:STEM_WORDS])
    return any(opening in option_text(o) for o in options)
