"""The chat model Protocol, its message and chunk types, and the stand-in used when none runs.

The one real implementation is `tutor.llm.openai_compatible`; tests plug in a scripted class
that implements `ChatModel`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict

from tutor.errors import ModelUnavailable


class ChatMessage(TypedDict):
    """One turn in OpenAI's chat format."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass
class Usage:
    """Tokens the server counted for one completion (None when it did not say)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass
class ChatChunk:
    """A piece of streamed text; the last chunk of a stream may carry only usage."""

    text: str = ""
    usage: Usage | None = None


class ChatModel(Protocol):
    """Streams a completion for a list of messages."""

    model_id: str

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ChatChunk]:
        """Text as it is generated; closing the iterator stops generation upstream."""
        ...

    async def first_token_probabilities(
        self, messages: list[ChatMessage], *, top: int
    ) -> dict[str, float]:
        """The `top` likeliest first tokens of a greedy reply and their probabilities.

        Empty when the server does not report token probabilities.
        """
        ...


async def complete(
    model: ChatModel,
    messages: list[ChatMessage],
    *,
    max_tokens: int,
    temperature: float,
    json_schema: dict[str, Any] | None = None,
) -> str:
    """A whole completion, for callers that read it at once (checks, judges)."""
    stream = model.stream(
        messages, max_tokens=max_tokens, temperature=temperature, json_schema=json_schema
    )
    return "".join([chunk.text async for chunk in stream])


class UnavailableChatModel:
    """Stands in when no chat model is configured or could be started; says why on use."""

    def __init__(self, reason: str) -> None:
        self.model_id = "unavailable"
        self.reason = reason

    async def stream(
        self,
        messages: list[ChatMessage],  # noqa: ARG002
        *,
        max_tokens: int,  # noqa: ARG002
        temperature: float,  # noqa: ARG002
        json_schema: dict[str, Any] | None = None,  # noqa: ARG002
    ) -> AsyncIterator[ChatChunk]:
        """Raises ModelUnavailable with the reason."""
        raise ModelUnavailable(self.reason)
        yield ChatChunk()  # pragma: no cover  (makes this an async generator)

    async def first_token_probabilities(
        self,
        messages: list[ChatMessage],  # noqa: ARG002
        *,
        top: int,  # noqa: ARG002
    ) -> dict[str, float]:
        """Raises ModelUnavailable with the reason."""
        raise ModelUnavailable(self.reason)
