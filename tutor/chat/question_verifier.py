"""A second opinion on a multiple-choice key: the model answers the question without seeing it.

When its pick differs from the key, the key is disputed (`key_disputed`). This is model-judged,
so `tutor eval questions` reports it apart from the deterministic checks in
`tutor.chat.question_checks`.
"""

from __future__ import annotations

import json
import string
from typing import Any

from tutor.llm.chat_model import ChatModel, complete
from tutor.llm.prompts import Prompt

LETTERS = string.ascii_uppercase


def answer_schema(option_count: int) -> dict[str, Any]:
    """JSON the model must produce: one letter among the options'."""
    return {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": list(LETTERS[:option_count])}},
        "required": ["answer"],
        "additionalProperties": False,
    }


def lettered(options: list[str]) -> str:
    """`A. first` / `B. second` ..., one per line."""
    return "\n".join(f"{LETTERS[i]}. {option}" for i, option in enumerate(options))


async def blind_pick(
    model: ChatModel, prompt: Prompt, question: str, options: list[str], context: str = ""
) -> int | None:
    """The index of the option the model picks, or None when its reply names none."""
    messages = prompt.render(question=question, options=lettered(options), context=context)
    text = await complete(
        model,
        messages,
        max_tokens=prompt.max_tokens,
        temperature=prompt.temperature,
        json_schema=answer_schema(len(options)),
    )
    return parse_pick(text, len(options))


def parse_pick(text: str, option_count: int) -> int | None:
    """The picked index from `{"answer": "B"}` (or a bare letter); None if it names no option."""
    try:
        letter = str(json.loads(text).get("answer", ""))
    except (json.JSONDecodeError, AttributeError):
        letter = text
    letter = letter.strip().strip('."').upper()[:1]
    index = LETTERS.find(letter) if letter else -1
    return index if 0 <= index < option_count else None
