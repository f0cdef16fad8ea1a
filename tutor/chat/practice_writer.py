"""Writing a practice set: constrained JSON from the model, checked item by item, then saved."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tutor.chat.asks import Ask
from tutor.chat.context import ChatContext
from tutor.chat.grounding import Source, citation, format_sources
from tutor.chat.hint_guard import normalise
from tutor.chat.practice import (
    SCHEMA,
    InvalidPracticeOutput,
    PracticeItem,
    check_item,
    parse_output,
    problems_of,
    save_set,
    settle_kind,
)
from tutor.chat.reply import Reply
from tutor.errors import PracticeGenerationFailed
from tutor.events import Event

NO_MATERIAL = (
    "Your notes don't have material on this topic yet, so there is nothing to write practice "
    "questions from. Upload notes that cover it, or try another topic."
)
ATTEMPTS = 2  # one retry when the model's JSON does not validate


async def write_practice(
    context: ChatContext, reply: Reply, ask: Ask, sources: list[Source]
) -> None:
    """Generate, check and save `ask.count` questions; stream a summary and the items."""
    if not sources:
        reply.say(NO_MATERIAL)
        return
    raw_items, attempts = await _generate(context, reply, ask, sources)
    raw_items = raw_items[: ask.count]
    kept, dropped = keep_valid(raw_items, sources)
    async with context.pool.connection() as conn:
        prompt = context.prompts.practice
        header = {
            "message_id": reply.message_id,
            "topic": ask.text,
            "requested": ask.count,
            "dropped": sum(dropped.values()) + max(0, ask.count - len(raw_items)),
            "prompt_name": prompt.name,
            "prompt_version": prompt.version,
            "model_id": context.model.model_id,
        }
        set_id = await save_set(conn, reply.owner_id, header, kept)
    reply.say(f"{_questions_on(len(kept))} {ask.text.strip()}.")
    reply.emit(Event.of("practice", set_id=str(set_id), questions=[item.public() for item in kept]))
    used = {item.chunk_id for item in kept}
    reply.citations = [citation(s) for s in sources if s.hit.chunk_id in used]
    if reply.citations:
        reply.emit(Event.of("citations", items=reply.citations))
    reply.grounded = bool(kept)
    reply.extra["practice"] = {
        "set_id": str(set_id),
        "requested": ask.count,
        "kept": len(kept),
        "dropped": dict(dropped),
        "audit": audit(raw_items, sources, attempts),
    }


async def _generate(
    context: ChatContext, reply: Reply, ask: Ask, sources: list[Source]
) -> tuple[list[dict[str, Any]], int]:
    """The model's raw items and how many attempts valid JSON took."""
    prompt = context.prompts.practice
    messages = prompt.render(sources=format_sources(sources), topic=ask.text, count=ask.count)
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        text = await reply.complete(context.model, messages, prompt, json_schema=SCHEMA)
        try:
            return parse_output(text), attempt
        except InvalidPracticeOutput as exc:
            problem = str(exc)
    raise PracticeGenerationFailed(
        f"The model did not produce valid practice questions ({problem}). Please try again."
    )


def audit(raw_items: list[dict[str, Any]], sources: list[Source], attempts: int) -> dict[str, Any]:
    """Counts for the evals: items generated, multiple-choice ones, and each problem's items."""
    problems: Counter[str] = Counter()
    for raw in raw_items:
        problems.update(set(problems_of(raw, sources)))
    return {
        "items": len(raw_items),
        "multiple_choice": sum(settle_kind(raw)["kind"] == "multiple_choice" for raw in raw_items),
        "problems": dict(problems),
        "schema_attempts": attempts,
    }


def keep_valid(
    raw_items: list[dict[str, Any]], sources: list[Source]
) -> tuple[list[PracticeItem], Counter[str]]:
    """Items that pass every check (no repeated questions), and why the others were dropped."""
    kept: list[PracticeItem] = []
    dropped: Counter[str] = Counter()
    seen: set[str] = set()
    for raw in raw_items:
        checked = check_item(raw, sources)
        if isinstance(checked, str):
            dropped[checked] += 1
        elif normalise(checked.question) in seen:
            dropped["duplicate_question"] += 1
        else:
            seen.add(normalise(checked.question))
            kept.append(checked)
    return kept, dropped


def _questions_on(count: int) -> str:
    """The summary's opening words, singular or plural."""
    if count == 1:
        return "Here is 1 practice question on"
    return f"Here are {count} practice questions on"
