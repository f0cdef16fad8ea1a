"""Writing a practice set: one item per anchor sentence, repaired, checked, streamed, saved.

For each anchor sentence (`tutor.chat.anchors`) the model drafts a question, its answer and
three distractors from that sentence alone (`tutor.chat.item_drafts`); a draft whose key the
sentence does not state is dropped. Weak distractors are replaced (`tutor.chat.distractors`):
by the model once, then by terms from the notes. Only then do the question checks run, and
the model answers the item blind with the anchor as its only context: a different pick
disputes the key and drops the item. An item that passes goes to the student at once as
`practice.item`; spare anchors stand in for dropped ones, and the set is saved and sent whole
as `practice` at the end.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from retrieval.search import embed_query
from tutor.chat.anchors import choose_anchors
from tutor.chat.asks import Ask
from tutor.chat.context import ChatContext
from tutor.chat.distractors import conformed, notes_distractors, same_option, weak_distractors
from tutor.chat.grounding import Source
from tutor.chat.hint_guard import normalise
from tutor.chat.item_drafts import (
    DISTRACTORS,
    DRAFT_SCHEMA,
    Draft,
    InvalidPracticeOutput,
    arranged,
    key_problems,
    parse_draft,
    parse_replacements,
    practice_item,
    replacement_schema,
)
from tutor.chat.practice import PracticeItem, save_set, supported
from tutor.chat.question_checks import option_defects, option_text, question_flags
from tutor.chat.question_verifier import answer_schema, lettered, parse_pick
from tutor.chat.reply import Reply
from tutor.chat.sharp_context import Sentence, score_sentences, split_sources
from tutor.errors import PracticeGenerationFailed
from tutor.events import Event

NO_MATERIAL = (
    "Your notes don't have material on this topic yet, so there is nothing to write practice "
    "questions from. Upload notes that cover it, or try another topic."
)
# "p. 7", "pp. 3-4", "page 12": the source's label, copied by the model as a distractor.
PAGE_REFERENCE = re.compile(r"^(p|pp|page|pages)\.?\s*\d", re.IGNORECASE)
# Anchors beyond the count asked for, to stand in for dropped drafts (about two in seven with
# the local model, mostly keys the sentence does not state). A dropped draft costs one model
# call of 5-10 s on two cores, so a set of five takes at most eight.
SPARE_ANCHORS = 3


@dataclass
class PracticeAudit:
    """What happened to the drafts of one set, for the evals."""

    anchors: int = 0
    drafts: int = 0  # model calls for a draft
    invalid: int = 0  # of which the reply was not valid JSON
    problems: Counter[str] = field(default_factory=Counter)  # as the model drafted them
    after_repair: Counter[str] = field(default_factory=Counter)  # what the checks then found
    checked: int = 0  # drafts whose options were checked after repair
    weak: int = 0  # distractors found weak, in every draft
    model_replaced: int = 0
    notes_replaced: int = 0
    verified: int = 0
    agreed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The audit as `done` carries it (`items`, `problems`... as the eval reads them)."""
        items = self.drafts - self.invalid
        return {
            "items": items,
            "multiple_choice": items,
            "problems": dict(self.problems),
            "schema_attempts": self.drafts,
            "schema_failures": self.invalid,
            "anchors": self.anchors,
            "checked": self.checked,
            "after_repair": dict(self.after_repair),
            "distractors": {
                "weak": self.weak,
                "model_replaced": self.model_replaced,
                "notes_replaced": self.notes_replaced,
            },
            "verifier": {"checked": self.verified, "agreed": self.agreed},
        }


async def write_practice(
    context: ChatContext, reply: Reply, ask: Ask, sources: list[Source]
) -> None:
    """Write, check, stream and save up to `ask.count` questions on the ask's topic."""
    anchors = await _anchors(context, reply, ask, sources)
    if not anchors:
        reply.say(NO_MATERIAL)
        return
    writer = ItemWriter(context, reply, split_sources(sources))
    kept: list[PracticeItem] = []
    dropped: Counter[str] = Counter()
    for anchor in anchors:
        if len(kept) == ask.count:
            break
        outcome = await writer.write(anchor)
        if isinstance(outcome, str):
            dropped[outcome] += 1
            continue
        outcome.ordinal = len(kept)
        kept.append(outcome)
        reply.timings.setdefault("first_item_ms", reply.elapsed_ms())
        reply.emit(Event.of("practice.item", question=outcome.public(), requested=ask.count))
    if writer.audit.drafts and writer.audit.invalid == writer.audit.drafts:
        reply.extra["practice"] = _facts(None, ask, kept, dropped, writer.audit)
        raise PracticeGenerationFailed(
            "The model did not produce valid practice questions. Please try again."
        )
    await _finish(context, reply, ask, kept, dropped, writer.audit)


async def _anchors(
    context: ChatContext, reply: Reply, ask: Ask, sources: list[Source]
) -> list[Sentence]:
    """The anchor sentences for the set: as many as asked for, plus spares."""
    if not sources:
        return []
    query = reply.query_embedding
    if query is None:
        query = reply.query_embedding = await embed_query(context.embedder, ask.text)
    sentences = await score_sentences(context.embedder, query, sources)
    return choose_anchors(sentences, ask.count + SPARE_ANCHORS)


async def _finish(
    context: ChatContext,
    reply: Reply,
    ask: Ask,
    kept: list[PracticeItem],
    dropped: Counter[str],
    audit: PracticeAudit,
) -> None:
    """Save the set, then send its summary, the whole set and its citations."""
    prompt = context.prompts.practice
    header = {
        "message_id": reply.message_id,
        "topic": ask.text,
        "requested": ask.count,
        "dropped": ask.count - len(kept),
        "prompt_name": prompt.name,
        "prompt_version": prompt.version,
        "model_id": context.model.model_id,
    }
    async with context.pool.connection() as conn:
        set_id = await save_set(conn, reply.owner_id, header, kept)
    reply.say(f"{_questions_on(len(kept))} {ask.text.strip()}.")
    reply.emit(Event.of("practice", set_id=str(set_id), questions=[item.public() for item in kept]))
    reply.citations = _citations(kept)
    if reply.citations:
        reply.emit(Event.of("citations", items=reply.citations))
    reply.grounded = bool(kept)
    reply.extra["practice"] = _facts(set_id, ask, kept, dropped, audit)


def _facts(
    set_id: UUID | None,
    ask: Ask,
    kept: list[PracticeItem],
    dropped: Counter[str],
    audit: PracticeAudit,
) -> dict[str, Any]:
    """The set as `done` reports it, for the evals."""
    return {
        "set_id": str(set_id) if set_id else None,
        "requested": ask.count,
        "kept": len(kept),
        "dropped": dict(dropped),
        "audit": audit.as_dict(),
    }


def _citations(items: list[PracticeItem]) -> list[dict[str, Any]]:
    """One citation per chunk the items come from, numbered in order, quoting the anchor."""
    cited: dict[int | None, dict[str, Any]] = {}
    for item in items:
        if item.chunk_id in cited:
            continue
        cited[item.chunk_id] = {
            "n": len(cited) + 1,
            "chunk_id": item.chunk_id,
            "document_id": str(item.document_id) if item.document_id else None,
            "filename": item.filename,
            "page_start": item.page_start,
            "page_end": item.page_end,
            "quote": item.quote,
        }
    return list(cited.values())


class ItemWriter:
    """Writes one item per anchor, keeping the audit of every draft."""

    def __init__(
        self, context: ChatContext, reply: Reply, sentences: list[tuple[Source, int, str]]
    ) -> None:
        self.context = context
        self.reply = reply
        self.sentences = sentences  # every sentence of the sources: where distractors come from
        self.audit = PracticeAudit()

    async def write(self, anchor: Sentence) -> PracticeItem | str:
        """The checked item for one anchor, or why its draft was dropped."""
        self.audit.anchors += 1
        draft = await self._draft(anchor)
        if draft is None:
            return "invalid_json"
        self._audit_draft(draft, anchor)
        problems = key_problems(draft, anchor.text)
        if problems:
            return problems[0]
        distractors = await self._repair(draft, anchor)
        options = arranged(draft.question, draft.answer, distractors)
        flags = question_flags(draft.question, options, draft.answer)
        if not flags and not await self._verified(draft, options, anchor):
            flags.append("key_disputed")
        self.audit.checked += 1
        self.audit.after_repair.update(flags)
        return flags[0] if flags else practice_item(draft, options, anchor)

    def _audit_draft(self, draft: Draft, anchor: Sentence) -> None:
        """Every problem of the draft as written, before any repair."""
        options = [draft.answer, *draft.distractors]
        problems = key_problems(draft, anchor.text)
        problems += question_flags(draft.question, options, draft.answer)
        self.audit.problems.update(set(problems))
        self.audit.weak += len(_weak(draft.answer, _conformed(draft), anchor))

    async def _draft(self, anchor: Sentence) -> Draft | None:
        """The model's draft for the anchor, or None when its reply is not valid JSON."""
        prompt = self.context.prompts.practice
        messages = prompt.render(sentence=anchor.text, notes=anchor.source.label())
        self.audit.drafts += 1
        text = await self.reply.complete(
            self.context.model, messages, prompt, json_schema=DRAFT_SCHEMA
        )
        try:
            return parse_draft(text)
        except InvalidPracticeOutput:
            self.audit.invalid += 1
            return None

    async def _repair(self, draft: Draft, anchor: Sentence) -> list[str]:
        """The draft's distractors with weak ones replaced: by the model, else from the notes.
        Fewer than three come back when neither found enough."""
        drafted = _conformed(draft)
        weak = _weak(draft.answer, drafted, anchor)
        kept = [d for i, d in enumerate(drafted) if i not in weak]
        if not weak:
            return kept
        for new in await self._model_distractors(draft):
            new = conformed(draft.answer, new)
            if len(kept) < DISTRACTORS and _acceptable(new, [draft.answer, *kept], anchor):
                kept.append(new)
                self.audit.model_replaced += 1
        if len(kept) < DISTRACTORS:
            found = await notes_distractors(
                self.context.embedder,
                draft.answer,
                [draft.answer, *kept],
                anchor.text,
                self._nearby(anchor),
                DISTRACTORS - len(kept),
            )
            kept += found
            self.audit.notes_replaced += len(found)
        return kept

    async def _model_distractors(self, draft: Draft) -> list[str]:
        """Three new distractors from the model (more to choose from than the weak ones it
        replaces); none when its reply is not valid JSON."""
        prompt = self.context.prompts.distractors
        # Not shown the anchor: with it, the model copies its words back as "new" options.
        avoid = json.dumps([draft.answer, *draft.distractors])
        messages = prompt.render(question=draft.question, answer=draft.answer, avoid=avoid)
        text = await self.reply.complete(
            self.context.model, messages, prompt, json_schema=replacement_schema(DISTRACTORS)
        )
        try:
            return parse_replacements(text, DISTRACTORS)
        except InvalidPracticeOutput:
            return []

    def _nearby(self, anchor: Sentence) -> list[str]:
        """The sources' other sentences, nearest the anchor first: its chunk, its document."""
        hit = anchor.source.hit

        def distance(entry: tuple[Source, int, str]) -> tuple[bool, int, int]:
            source, index, _ = entry
            return (
                source.hit.document_id != hit.document_id,
                abs(source.hit.chunk_id - hit.chunk_id),
                abs(index - anchor.index),
            )

        ordered = sorted(self.sentences, key=distance)
        return list(dict.fromkeys(text for _, _, text in ordered if text != anchor.text))

    async def _verified(self, draft: Draft, options: list[str], anchor: Sentence) -> bool:
        """Whether the model, shown the anchor but not the key, picks the key."""
        prompt = self.context.prompts.verify
        messages = prompt.render(
            question=draft.question, options=lettered(options), context=anchor.text
        )
        text = await self.reply.complete(
            self.context.model, messages, prompt, json_schema=answer_schema(len(options))
        )
        pick = parse_pick(text, len(options))
        self.audit.verified += 1
        agreed = pick is not None and normalise(options[pick]) == normalise(draft.answer)
        self.audit.agreed += agreed
        return agreed


def _conformed(draft: Draft) -> list[str]:
    """The draft's distractors, bare figures given the key's unit."""
    return [conformed(draft.answer, d) for d in draft.distractors]


def _acceptable(distractor: str, options: list[str], anchor: Sentence) -> bool:
    """A new distractor sound on its own, unlike every option so far, not stated by the anchor
    and not a piece of its source's label."""
    if option_defects(distractor) or any(same_option(distractor, o) for o in options):
        return False
    return not _beside_the_point(distractor, anchor)


def _weak(key: str, distractors: list[str], anchor: Sentence) -> list[int]:
    """Indexes of the distractors to replace: weak ones (`distractors.weak_distractors`), and
    those beside the point (`_beside_the_point`)."""
    weak = set(weak_distractors(key, distractors))
    weak |= {i for i, d in enumerate(distractors) if _beside_the_point(d, anchor)}
    return sorted(weak)


def _beside_the_point(distractor: str, anchor: Sentence) -> bool:
    """Whether the anchor states the distractor too, so it may well be a right answer (asked
    which two functions, `length(object)` offered beside the key `mode(object)`), or it is a
    piece of the source's label the model was shown (`R-intro.pdf`, `p. 7`, a heading)."""
    if supported(distractor, anchor.text) or PAGE_REFERENCE.match(distractor.strip()):
        return True
    hit = anchor.source.hit
    label = {hit.filename, hit.filename.rsplit(".", 1)[0], *hit.heading_path}
    return option_text(distractor) in {option_text(part) for part in label if part}


def _questions_on(count: int) -> str:
    """The summary's opening words, singular or plural."""
    if count == 1:
        return "Here is 1 practice question on"
    return f"Here are {count} practice questions on"
