"""One practice item as the model drafts it from its anchor sentence, and the checks on its key.

The model sees a single sentence and writes a question, its answer and three distractors as
JSON constrained to `DRAFT_SCHEMA`. The answer is the item's key only if that sentence states
it (`practice.supported`), it is a phrase rather than a clause, and the question does not
already contain it. Options are the key and the distractors in an order set by the question's
text, so the key is not always first and a rerun shows the same quiz.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from dataclasses import dataclass
from typing import Any

import jsonschema

from tutor.chat.distractors import option_words
from tutor.chat.grounding import quote
from tutor.chat.practice import PracticeItem, supported
from tutor.chat.sharp_context import Sentence

OPTION_CHARS = 100
DISTRACTORS = 3
MAX_KEY_WORDS = 6  # longer is a clause: its length alone gives it away among short options
# The student never sees the anchor, so a question about "the sentence" (or "the study" an
# abstract reports) cannot be answered.
POINTS_AT_SOURCE = re.compile(
    r"\b(the|this|that|given|above|following) (sentence|passage|text|statement|excerpt|source"
    r"|code|example|command|study|paper|article|abstract|authors?)\b",
    re.IGNORECASE,
)


# A question asking for more than one thing ("Which two functions...") whose key names one: the
# other is a right answer too, and may well be among the options.
ASKS_FOR_SEVERAL = re.compile(r"\b(two|three|four|both)\b", re.IGNORECASE)
SEVERAL = re.compile(r",|\band\b|&|\bboth\b", re.IGNORECASE)


def _strings(count: int) -> dict[str, Any]:
    item = {"type": "string", "minLength": 1, "maxLength": OPTION_CHARS}
    return {"type": "array", "items": item, "minItems": count, "maxItems": count}


DRAFT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "question": {"type": "string", "minLength": 10, "maxLength": 240},
        "answer": {"type": "string", "minLength": 1, "maxLength": OPTION_CHARS},
        "distractors": _strings(DISTRACTORS),
    },
    "required": ["question", "answer", "distractors"],
    "additionalProperties": False,
}


def replacement_schema(count: int) -> dict[str, Any]:
    """JSON the model must produce when asked for `count` new distractors."""
    return {
        "type": "object",
        "properties": {"distractors": _strings(count)},
        "required": ["distractors"],
        "additionalProperties": False,
    }


class InvalidPracticeOutput(ValueError):
    """The model's output was not JSON of the expected shape."""


@dataclass(frozen=True)
class Draft:
    """What the model wrote for one anchor, trimmed."""

    question: str
    answer: str
    distractors: tuple[str, ...]


def _load(text: str, schema: dict[str, Any]) -> dict[str, Any]:
    match = re.search(r"\{.*\}", text, re.DOTALL)  # tolerate prose or fences around the JSON
    try:
        data = json.loads(match.group(0) if match else text)
        jsonschema.validate(data, schema)
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        raise InvalidPracticeOutput(str(exc).splitlines()[0]) from exc
    loaded: dict[str, Any] = data
    return loaded


def parse_draft(text: str) -> Draft:
    """The draft in the model's JSON; raises InvalidPracticeOutput when it is not valid."""
    data = _load(text, DRAFT_SCHEMA)
    distractors = tuple(d.strip() for d in data["distractors"])
    return Draft(data["question"].strip(), data["answer"].strip(), distractors)


def parse_replacements(text: str, count: int) -> list[str]:
    """The new distractors in the model's JSON; raises InvalidPracticeOutput when not valid."""
    return [d.strip() for d in _load(text, replacement_schema(count))["distractors"]]


def key_problems(draft: Draft, anchor: str) -> list[str]:
    """Every problem of the draft's key against its anchor sentence, and of a question that
    gives the key away or needs the sentence to make sense."""
    problems = [] if supported(draft.answer, anchor) else ["unsupported_key"]
    return problems + stem_and_key_problems(draft.question, draft.answer)


def stem_and_key_problems(question: str, answer: str) -> list[str]:
    """The problems a question and its key have together, whatever the source: a key long
    enough to give itself away, a question containing it, one that needs the unseen source."""
    problems = ["key_too_long"] if len(answer.split()) > MAX_KEY_WORDS else []
    if ASKS_FOR_SEVERAL.search(question) and not SEVERAL.search(answer):
        problems.append("key_incomplete")
    if gives_away(question, answer):
        problems.append("key_in_question")
    if POINTS_AT_SOURCE.search(question):
        problems.append("question_needs_source")
    return problems


def gives_away(question: str, answer: str) -> bool:
    """Whether the question contains the answer's words as a phrase."""
    key, stem = option_words(answer), option_words(question)
    return bool(key) and any(stem[i : i + len(key)] == key for i in range(len(stem)))


def arranged(question: str, key: str, distractors: list[str]) -> list[str]:
    """The options in an order fixed by the question's text."""
    options = [key, *distractors]
    random.Random(zlib.crc32(question.encode())).shuffle(options)
    return options


def practice_item(draft: Draft, options: list[str], anchor: Sentence) -> PracticeItem:
    """The checked item, sourced to its anchor's chunk; the anchor is its explanation."""
    hit = anchor.source.hit
    return PracticeItem(
        kind="multiple_choice",
        question=draft.question,
        options=options,
        answer=draft.answer,
        explanation=anchor.text,
        chunk_id=hit.chunk_id,
        document_id=hit.document_id,
        filename=hit.filename,
        page_start=hit.page_start,
        page_end=hit.page_end,
        quote=quote(anchor.text, first=draft.answer),
    )
