"""A scripted ChatModel for deterministic tutor tests (implements the Protocol, no mocks)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from tutor.llm.chat_model import ChatChunk, ChatMessage, Usage

Reply = str | Callable[[list[ChatMessage]], str]
# How sure the scripted model is that the sources answer the question: a probability of "yes".
Verdict = float | Callable[[list[ChatMessage]], float]
PIECE_CHARS = 4
DEFAULT_REPLY = "I can help with that [1]."


class ScriptedChatModel:
    """Streams queued replies piece by piece; records prompts, and streams closed early."""

    model_id = "scripted-test-model"

    def __init__(self) -> None:
        self.queue: deque[Reply] = deque()
        self.calls: list[list[ChatMessage]] = []
        self.schemas: list[dict[str, Any] | None] = []
        self.reset()

    def reset(self) -> None:
        """Back to a fresh model: no script, default reply and pace, nothing recorded."""
        self.piece_chars = PIECE_CHARS
        self.delay_s = 0.0
        self.default: Reply = DEFAULT_REPLY
        self.queue.clear()
        self.calls.clear()
        self.schemas.clear()
        self.closed_early = 0
        self.answerable: Verdict = 1.0
        self.probes: list[list[ChatMessage]] = []

    def script(self, *replies: Reply, delay_s: float = 0.0) -> None:
        """Replies for the next calls, in order; then `default` again."""
        self.queue.clear()
        self.queue.extend(replies)
        self.delay_s = delay_s
        self.calls.clear()
        self.schemas.clear()
        self.closed_early = 0

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,  # noqa: ARG002
        temperature: float,  # noqa: ARG002
        json_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ChatChunk]:
        """The next scripted reply in small pieces, then usage."""
        self.calls.append(messages)
        self.schemas.append(json_schema)
        reply = self.queue.popleft() if self.queue else self.default
        text = reply(messages) if callable(reply) else reply
        pieces = [text[i : i + self.piece_chars] for i in range(0, len(text), self.piece_chars)]
        finished = False
        try:
            for piece in pieces:
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                yield ChatChunk(piece)
            prompt_chars = sum(len(m["content"]) for m in messages)
            yield ChatChunk("", Usage(prompt_chars // 4, len(pieces)))
            finished = True
        finally:
            if not finished:
                self.closed_early += 1

    async def first_token_probabilities(
        self,
        messages: list[ChatMessage],
        *,
        top: int,  # noqa: ARG002
    ) -> dict[str, float]:
        """A yes/no verdict from `answerable` (the only question the tutor probes with)."""
        self.probes.append(messages)
        p = self.answerable(messages) if callable(self.answerable) else self.answerable
        return {"Yes": p, "No": 1.0 - p}

    def prompts_text(self) -> str:
        """Everything sent to the model since the last `script`."""
        return "\n".join(m["content"] for call in self.calls for m in call)
