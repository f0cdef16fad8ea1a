"""The optional LLM judge: metrics no string comparison can decide, reported apart.

Configured with `TUTOR_JUDGE_BASE_URL` / `TUTOR_JUDGE_MODEL` (/ `TUTOR_JUDGE_API_KEY`), any
OpenAI-compatible endpoint. Unset, nothing is judged and no judged metric appears. Every judged
metric is named `judged_*`, so a report never mixes it up with a deterministic one.
"""

from __future__ import annotations

import json
from typing import Any

from tutor.llm.chat_model import ChatModel, complete
from tutor.llm.prompts import Prompt

HELPFULNESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "helpfulness": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string"},
    },
    "required": ["helpfulness", "reason"],
    "additionalProperties": False,
}


async def judge_hint(
    judge: ChatModel, prompt: Prompt, problem: str, hint: str, level: int
) -> int | None:
    """Helpfulness 1-5 of one hint; None when the judge's reply is not a valid score."""
    messages = prompt.render(problem=problem, hint=hint, level=level)
    text = await complete(
        judge,
        messages,
        max_tokens=prompt.max_tokens,
        temperature=prompt.temperature,
        json_schema=HELPFULNESS_SCHEMA,
    )
    return parse_score(text)


def parse_score(text: str) -> int | None:
    """The 1-5 score from the judge's JSON."""
    try:
        score = json.loads(text).get("helpfulness")
    except (json.JSONDecodeError, AttributeError):
        return None
    return score if isinstance(score, int) and 1 <= score <= 5 else None
