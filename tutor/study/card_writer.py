"""Flashcards the chat model writes from one passage of the notes, and the checks that keep them
honest.

The model answers with JSON (`CARDS_SCHEMA`): a question, an answer and the sentence of the
passage it took the answer from. A draft is kept only when that quote is really in the passage
(compared with whitespace normalised; a paraphrased quote is replaced by the passage's sentence
closest to it), the quote states the answer (the practice items' own test,
`tutor.chat.practice.supported`), and the question does not give the answer away.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from tutor.chat.grounding import WORD, prose_sentences
from tutor.chat.item_drafts import gives_away
from tutor.chat.practice import supported
from tutor.llm.chat_model import ChatModel, complete
from tutor.llm.prompts import Prompt
from tutor.study.card_sources import normalised

QUESTION_CHARS = 300
ANSWER_CHARS = 400
QUOTE_CHARS = 1000
# A paraphrased quote stands for the passage's sentence sharing at least this share of its words.
MIN_QUOTE_OVERLAP = 0.6
MAX_DRAFTS = 100
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def cards_schema(count: int) -> dict[str, Any]:
    """The JSON the model must produce for up to `count` cards."""
    card = {
        "type": "object",
        "properties": {
            "question": {"type": "string", "minLength": 5, "maxLength": QUESTION_CHARS},
            "answer": {"type": "string", "minLength": 1, "maxLength": ANSWER_CHARS},
            "quote": {"type": "string", "minLength": 5, "maxLength": QUOTE_CHARS},
        },
        "required": ["question", "answer", "quote"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"cards": {"type": "array", "items": card, "maxItems": count}},
        "required": ["cards"],
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class CardDraft:
    """One card as the model wrote it."""

    question: str
    answer: str
    quote: str


@dataclass(frozen=True)
class Written:
    """What came of one passage: the drafts kept (with the passage's own quote) and the
    reasons the others were dropped."""

    kept: list[CardDraft]
    dropped: list[str]


def parse_cards(text: str) -> list[CardDraft] | None:
    """The drafts in the model's reply; None when it is not JSON of the expected shape (a
    model that wrote too many is not wrong: the extra are dropped later)."""
    match = JSON_OBJECT.search(text)  # tolerate prose or code fences around the JSON
    try:
        data = json.loads(match.group(0)) if match else None
        jsonschema.validate(data, cards_schema(MAX_DRAFTS))
    except (json.JSONDecodeError, jsonschema.ValidationError):
        return None
    assert isinstance(data, dict)
    return [
        CardDraft(" ".join(c["question"].split()), c["answer"].strip(), normalised(c["quote"]))
        for c in data["cards"]
    ]


def located_quote(claimed: str, passage: str) -> str | None:
    """The passage's own text for a claimed quote: the very span when it is there, else the
    passage's sentence that shares most of its words; None when no sentence is close."""
    text = normalised(passage)
    at = text.lower().find(normalised(claimed).lower())
    if claimed and at >= 0:
        return text[at : at + len(normalised(claimed))]
    wanted = set(WORD.findall(claimed.lower()))
    if not wanted:
        return None

    def share(sentence: str) -> float:
        return len(wanted & set(WORD.findall(sentence.lower()))) / len(wanted)

    best = max(prose_sentences(passage) or [""], key=share)
    return best if share(best) >= MIN_QUOTE_OVERLAP else None


def checked(draft: CardDraft, passage: str) -> CardDraft | str:
    """The draft with the passage's own quote, or the reason it is dropped."""
    quote = located_quote(draft.quote, passage)
    if quote is None:
        return "quote_not_in_source"
    if not supported(draft.answer, quote):
        return "unsupported_answer"
    if gives_away(draft.question, draft.answer):
        return "answer_in_question"
    return CardDraft(draft.question, draft.answer, quote)


def checked_all(drafts: list[CardDraft], passage: str, count: int) -> Written:
    """Every draft checked; the first `count` distinct questions that pass are kept."""
    kept: list[CardDraft] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for draft in drafts:
        result = checked(draft, passage)
        if isinstance(result, str):
            dropped.append(result)
        elif result.question.lower() in seen:
            dropped.append("duplicate")
        elif len(kept) >= count:
            dropped.append("over_count")
        else:
            seen.add(result.question.lower())
            kept.append(result)
    return Written(kept, dropped)


async def write_cards(model: ChatModel, prompt: Prompt, passage: str, count: int) -> Written:
    """Ask the model for up to `count` cards from the passage and keep those that pass."""
    messages = prompt.render(passage=passage.strip(), count=count)
    reply = await complete(
        model,
        messages,
        max_tokens=prompt.max_tokens,
        temperature=prompt.temperature,
        json_schema=cards_schema(count),
    )
    drafts = parse_cards(reply)
    if drafts is None:
        return Written([], ["invalid_output"])
    return checked_all(drafts, passage, count)
