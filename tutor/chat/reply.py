"""One assistant message as it is being produced: what was said, cited, used and measured."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np

from tutor.chat.asks import Mode
from tutor.events import Event
from tutor.llm.chat_model import ChatChunk, ChatMessage, ChatModel, Usage
from tutor.llm.prompts import Prompt
from tutor.telemetry import observe_stream

Emit = Callable[[Event], None]


@dataclass
class Reply:
    """Accumulates a message while streaming it to `emit`; the engine saves it at the end."""

    message_id: UUID
    conversation_id: UUID
    owner_id: UUID
    mode: Mode
    model_id: str
    emit: Emit
    started: float = field(default_factory=time.perf_counter)
    parts: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    phantom_citations: int = 0
    grounded: bool = False
    prompt: Prompt | None = None
    status: str = "complete"
    error_code: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0}
    )
    extra: dict[str, Any] = field(default_factory=dict)  # mode-specific facts for `done`
    max_output_tokens: int | None = None  # caps each prompt's max_tokens
    query_embedding: np.ndarray | None = None  # computed while the turn was being opened

    @property
    def content(self) -> str:
        """Everything said so far."""
        return "".join(self.parts)

    def say(self, text: str) -> None:
        """Stream a piece of the answer to the client."""
        if not text:
            return
        if not self.parts:
            self.timings["first_token_ms"] = self.elapsed_ms()
        self.parts.append(text)
        self.emit(Event("delta", {"text": text}))

    def elapsed_ms(self) -> float:
        """Milliseconds since the ask arrived."""
        return round((time.perf_counter() - self.started) * 1000, 1)

    def count(self, usage: Usage | None) -> None:
        """Add one model call's token usage."""
        if usage is None:
            return
        self.usage["prompt_tokens"] += usage.prompt_tokens or 0
        self.usage["completion_tokens"] += usage.completion_tokens or 0

    async def stream(
        self, model: ChatModel, messages: list[ChatMessage], prompt: Prompt, **options: Any
    ) -> AsyncIterator[ChatChunk]:
        """The model's chunks for a rendered prompt, counting usage and its first-token time."""
        self.prompt = self.prompt or prompt
        asked = time.perf_counter()
        limit = min(prompt.max_tokens, self.max_output_tokens or prompt.max_tokens)
        stream = model.stream(messages, max_tokens=limit, temperature=prompt.temperature, **options)
        first: float | None = None
        pieces, completion = 0, None
        try:
            async for chunk in stream:
                if first is None:
                    first = time.perf_counter()
                self.timings.setdefault("model_first_token_ms", round((first - asked) * 1000, 1))
                self.count(chunk.usage)
                pieces += bool(chunk.text)
                completion = chunk.usage.completion_tokens if chunk.usage else completion
                yield chunk
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
            if first is not None:  # closed early or cut, what it streamed was still timed
                observe_stream(first - asked, completion or pieces, time.perf_counter() - first)

    async def complete(
        self, model: ChatModel, messages: list[ChatMessage], prompt: Prompt, **options: Any
    ) -> str:
        """A whole completion the student does not see streamed (solutions, hints, JSON)."""
        parts: list[str] = []
        async for chunk in self.stream(model, messages, prompt, **options):
            parts.append(chunk.text)
        return "".join(parts)

    def done_event(self) -> Event:
        """The protocol's `done` event."""
        self.timings["total_ms"] = self.elapsed_ms()
        return Event.of(
            "done",
            message_id=str(self.message_id),
            conversation_id=str(self.conversation_id),
            status=self.status,
            grounded=self.grounded,
            timings=self.timings,
            usage=self.usage,
            prompt=self.prompt.ref if self.prompt else None,
            model=self.model_id,
            phantom_citations=self.phantom_citations,
            **self.extra,
        )
