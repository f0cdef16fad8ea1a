"""Socratic hints that never give the answer away.

The answer is obtained privately first (a practice item's key, or the model solving the
problem out of sight). Each hint is checked against it; a leaking hint is written again once
with the answer named as the thing to avoid, and if that leaks too the student gets a safe
hint that points at the cited passage. A leaking hint is never sent.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from uuid import UUID

import numpy as np

from tutor.chat.asks import Ask
from tutor.chat.citations import CitationFilter
from tutor.chat.context import ChatContext
from tutor.chat.grounding import Source, citation, format_sources
from tutor.chat.hint_guard import Leak, cosine, final_answer, find_leak, sentences
from tutor.chat.reply import Reply
from tutor.events import Event

LEVEL_INSTRUCTIONS = {
    1: "a gentle nudge: say which idea or quantity to think about first. No calculations.",
    2: "name the method or relationship to use and the first step. Do not do the last step.",
    3: "point at the exact passage or step that settles it (cite the source as [n] if there "
    "is one), but still do not state the result.",
}
PRACTICE_KEY = """
SELECT i.answer FROM practice_items i JOIN practice_sets s ON s.id = i.set_id
WHERE i.id = %(item_id)s AND s.owner_id = %(owner_id)s
"""


async def write_hint(context: ChatContext, reply: Reply, ask: Ask, sources: list[Source]) -> None:
    """Stream a checked hint at the asked level, with its citations."""
    answer, answer_from = await private_answer(context, reply, ask, sources)
    text, outcome = await checked_hint(context, reply, ask, sources, answer)
    cited = CitationFilter(valid=frozenset(s.n for s in sources))
    for piece in re.findall(r"\S+\s*", text):
        reply.say(cited.feed(piece))
    reply.say(cited.finish())
    by_number = {s.n: s for s in sources}
    reply.citations = [citation(by_number[n], text) for n in cited.cited]
    reply.phantom_citations += cited.phantoms
    reply.grounded = bool(reply.citations)
    reply.emit(Event.of("citations", items=reply.citations))
    reply.extra["hint"] = {"level": ask.hint_level, "answer_from": answer_from, **outcome}


async def private_answer(
    context: ChatContext, reply: Reply, ask: Ask, sources: list[Source]
) -> tuple[str, str]:
    """(answer, where it came from): a practice item's key, or the model's own solution."""
    if ask.practice_item_id is not None:
        key = await _practice_key(context, reply.owner_id, ask.practice_item_id)
        if key:
            return key, "practice_key"
    prompt = context.prompts.solve
    messages = prompt.render(sources=format_sources(sources), problem=ask.text)
    solution = await reply.complete(context.model, messages, prompt)
    return final_answer(solution), "solved"


async def checked_hint(
    context: ChatContext, reply: Reply, ask: Ask, sources: list[Source], answer: str
) -> tuple[str, dict[str, Any]]:
    """A hint that passed the leak check, and how it got there."""
    prompt = context.prompts.hint
    leaks: list[str] = []
    for avoid in ("", answer):  # the second try names the answer as the thing to avoid
        messages = prompt.render(
            sources=format_sources(sources),
            problem=ask.text,
            level=ask.hint_level,
            level_instruction=LEVEL_INSTRUCTIONS[ask.hint_level],
            avoid=avoid,
        )
        hint = (await reply.complete(context.model, messages, prompt)).strip()
        leak = await leak_of(context, hint, answer, ask.text) if hint else Leak("empty")
        if leak is None:
            return hint, {"attempts": len(leaks) + 1, "fallback": False, "leaks": leaks}
        leaks.append(leak.reason)
    return safe_hint(ask.hint_level, sources), {"attempts": 2, "fallback": True, "leaks": leaks}


async def leak_of(context: ChatContext, hint: str, answer: str, problem: str) -> Leak | None:
    """How `hint` gives `answer` away, if it does (wording, number, a pasted option, meaning)."""
    if not answer:
        return None
    texts = [answer, *sentences(hint)]
    vectors = await asyncio.to_thread(context.embedder.embed, texts)
    by_text = {text: np.asarray(v) for text, v in zip(texts, vectors, strict=True)}
    return find_leak(hint, answer, problem, lambda a, b: cosine(by_text[a], by_text[b]))


def safe_hint(level: int, sources: list[Source]) -> str:
    """A hint built from a template, so it cannot contain the answer."""
    if sources and level >= 2:
        source = sources[0]
        return (
            f"Re-read source [{source.n}] ({source.label()}): it has what you need for the "
            "next step. What does it say that connects to the question?"
        )
    return (
        "Start by writing down what the problem gives you and what it asks for. "
        "Which quantity or idea do you need to work out first?"
    )


async def _practice_key(context: ChatContext, owner_id: UUID, item_id: UUID) -> str | None:
    async with context.pool.connection() as conn:
        cur = await conn.execute(PRACTICE_KEY, {"item_id": item_id, "owner_id": owner_id})
        row = await cur.fetchone()
    return str(row[0]) if row else None
