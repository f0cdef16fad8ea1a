"""Practice questions: the JSON schema the model must follow, the checker, and saved sets.

The model writes JSON constrained to `SCHEMA`; `check_item` then applies what a schema cannot
say: the checks of `tutor.chat.question_checks` (four distinct options, exactly one of them the key,
none cut off, no catch-all option...) and a key its source chunk supports. Items that fail are
dropped, never shown.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import jsonschema
from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from tutor.chat.grounding import Source, quote
from tutor.chat.hint_guard import normalise
from tutor.chat.question_checks import option_text, question_flags
from tutor.database import Keyset, after_params
from tutor.errors import PracticeSetNotFound

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["multiple_choice", "short_answer"]},
        "question": {"type": "string", "minLength": 8},
        "options": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 4},
        "answer": {"type": "string", "minLength": 1},
        "explanation": {"type": "string"},
        "source": {"type": "integer", "minimum": 1},
    },
    "required": ["kind", "question", "options", "answer", "explanation", "source"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"questions": {"type": "array", "items": ITEM_SCHEMA, "minItems": 1}},
    "required": ["questions"],
    "additionalProperties": False,
}
STOPWORDS = frozenset(
    "a an the of in on at to for by with and or is are was were be been it its this that as "
    "from which who what when where how why".split()
)
# Share of the key's content words its source chunk must contain.
MIN_SUPPORT = 0.75


@dataclass
class PracticeItem:
    """One checked question with its key and where the key comes from."""

    kind: str
    question: str
    options: list[str]
    answer: str
    explanation: str
    chunk_id: int | None
    document_id: UUID | None
    filename: str
    page_start: int | None
    page_end: int | None
    quote: str
    id: UUID = field(default_factory=uuid.uuid4)
    ordinal: int = 0

    def public(self) -> dict[str, Any]:
        """The item as the protocol and the HTTP API show it."""
        data = asdict(self)
        data["id"] = str(self.id)
        data["document_id"] = str(self.document_id) if self.document_id else None
        return data


class InvalidPracticeOutput(ValueError):
    """The model's output was not JSON of the expected shape."""


def parse_output(text: str) -> list[dict[str, Any]]:
    """The raw items from the model's JSON; raises InvalidPracticeOutput when it is not valid."""
    match = re.search(r"\{.*\}", text, re.DOTALL)  # tolerate prose or fences around the JSON
    try:
        data = json.loads(match.group(0) if match else text)
        jsonschema.validate(data, SCHEMA)
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        raise InvalidPracticeOutput(str(exc).splitlines()[0]) from exc
    items: list[dict[str, Any]] = data["questions"]
    return items


def settle_kind(raw: dict[str, Any]) -> dict[str, Any]:
    """A "short answer" that came with options: multiple choice when its key is one of them,
    else a short answer without them. Small models mislabel the kind often (3 of 10 items from
    the default model); the question itself is no worse for it."""
    if raw["kind"] != "short_answer" or not raw["options"]:
        return raw
    if option_text(raw["answer"]) in {option_text(o) for o in raw["options"]}:
        return {**raw, "kind": "multiple_choice"}
    return {**raw, "options": []}


def problems_of(raw: dict[str, Any], sources: list[Source]) -> list[str]:
    """Every problem of a raw item, not only the first (the eval's per-check rates need all)."""
    raw = settle_kind(raw)
    problems = [] if raw["source"] in {s.n for s in sources} else ["unknown_source"]
    options = [o.strip() for o in raw["options"]]
    answer = raw["answer"].strip()
    if raw["kind"] == "multiple_choice":
        problems += question_flags(raw["question"], options, answer)
    if _key_source(answer, raw["source"], sources) is None:
        problems.append("unsupported_key")
    return problems


def check_item(raw: dict[str, Any], sources: list[Source]) -> PracticeItem | str:
    """A PracticeItem, or the reason the raw item is dropped."""
    problems = problems_of(raw, sources)
    if problems:
        return problems[0]
    raw = settle_kind(raw)
    options = [o.strip() for o in raw["options"]]
    answer = raw["answer"].strip()
    source = _key_source(answer, raw["source"], sources)
    assert source is not None  # problems_of found it
    hit = source.hit
    return PracticeItem(
        kind=raw["kind"],
        question=raw["question"].strip(),
        options=options,
        answer=answer,
        explanation=raw["explanation"].strip(),
        chunk_id=hit.chunk_id,
        document_id=hit.document_id,
        filename=hit.filename,
        page_start=hit.page_start,
        page_end=hit.page_end,
        quote=quote(hit.text, raw["question"], first=answer),
    )


def _key_source(answer: str, cited: int, sources: list[Source]) -> Source | None:
    """The source stating the key: the cited one, else any other provided source.

    Small models often cite a neighbouring source; the key is traced to whichever provided
    source states it, and the item dropped only when none does.
    """
    ordered = sorted(sources, key=lambda s: s.n != cited)
    return next((s for s in ordered if supported(answer, s.hit.text)), None)


def supported(answer: str, chunk_text: str) -> bool:
    """Whether the chunk states the key: the key's content words (or numbers) appear in it."""
    key, text = normalise(answer), normalise(chunk_text)
    if key and key in text:
        return True
    words = [w for w in key.split() if w not in STOPWORDS]
    if not words:
        return False
    present = set(text.split())
    return sum(w in present for w in words) / len(words) >= MIN_SUPPORT


@dataclass
class PracticeSetRecord:
    """A saved practice set's header."""

    id: UUID
    topic: str
    requested: int
    dropped: int
    prompt_name: str
    prompt_version: int
    model_id: str
    message_id: UUID | None
    created_at: datetime


INSERT_SET = """
INSERT INTO practice_sets (id, owner_id, message_id, topic, requested, dropped,
                           prompt_name, prompt_version, model_id)
VALUES (%(id)s, %(owner_id)s, %(message_id)s, %(topic)s, %(requested)s, %(dropped)s,
        %(prompt_name)s, %(prompt_version)s, %(model_id)s)
"""
INSERT_ITEM = """
INSERT INTO practice_items (id, set_id, ordinal, kind, question, options, answer, explanation,
                            chunk_id, document_id, filename, page_start, page_end, quote)
VALUES (%(id)s, %(set_id)s, %(ordinal)s, %(kind)s, %(question)s, %(options)s, %(answer)s,
        %(explanation)s, %(chunk_id)s, %(document_id)s, %(filename)s, %(page_start)s,
        %(page_end)s, %(quote)s)
"""


async def save_set(
    conn: AsyncConnection, owner_id: UUID, header: dict[str, Any], items: list[PracticeItem]
) -> UUID:
    """Store a practice set and its items; returns the set's id."""
    set_id = uuid.uuid4()
    await conn.execute(INSERT_SET, {**header, "id": set_id, "owner_id": owner_id})
    for ordinal, item in enumerate(items):
        item.ordinal = ordinal
        row = {**asdict(item), "set_id": set_id, "options": Jsonb(item.options)}
        await conn.execute(INSERT_ITEM, row)
    return set_id


SET_BY_ID = """
SELECT id, topic, requested, dropped, prompt_name, prompt_version, model_id, message_id,
       created_at
FROM practice_sets WHERE id = %(id)s AND owner_id = %(owner_id)s
"""
ITEMS_OF_SET = """
SELECT kind, question, options, answer, explanation, chunk_id, document_id, filename,
       page_start, page_end, quote, id, ordinal
FROM practice_items WHERE set_id = %(id)s ORDER BY ordinal
"""
# Without a cursor the key compares as (infinity, max uuid): one statement serves every page
# and stays an index range scan even as a prepared, generic plan.
SETS_OF_OWNER = """
SELECT id, topic, requested, dropped, prompt_name, prompt_version, model_id, message_id,
       created_at
FROM practice_sets
WHERE owner_id = %(owner_id)s
  AND (created_at, id) < (coalesce(%(after_ts)s::timestamptz, 'infinity'),
                          coalesce(%(after_id)s::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""


async def get_set(
    conn: AsyncConnection, owner_id: UUID, set_id: UUID
) -> tuple[PracticeSetRecord, list[PracticeItem]]:
    """One of the owner's practice sets with its items."""
    cur = conn.cursor(row_factory=class_row(PracticeSetRecord))
    await cur.execute(SET_BY_ID, {"id": set_id, "owner_id": owner_id})
    record = await cur.fetchone()
    if record is None:
        raise PracticeSetNotFound()
    items = conn.cursor(row_factory=class_row(PracticeItem))
    await items.execute(ITEMS_OF_SET, {"id": set_id})
    return record, await items.fetchall()


async def list_sets(
    conn: AsyncConnection,
    owner_id: UUID,
    *,
    limit: int,
    after: Keyset | None = None,
) -> list[PracticeSetRecord]:
    """The owner's practice sets, newest first, after the (created_at, id) of `after` if given."""
    cur = conn.cursor(row_factory=class_row(PracticeSetRecord))
    params = {"owner_id": owner_id, "limit": limit, **after_params(after)}
    await cur.execute(SETS_OF_OWNER, params)
    return await cur.fetchall()
