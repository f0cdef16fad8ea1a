"""Chat models: a small Protocol and the one real implementation, any OpenAI-compatible server.

OpenAI, vLLM, Ollama and the local llama.cpp server all speak the same streaming API, so the
engine has one code path. Tests plug in a scripted class that implements `ChatModel`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict, cast

from openai import APIConnectionError, APIError, AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from tutor.errors import ModelUnavailable
from tutor.settings import Settings


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


class OpenAIChatModel:
    """`ChatModel` over an OpenAI-compatible endpoint, with the official async SDK."""

    def __init__(
        self, base_url: str, api_key: str, model_id: str, timeout_s: float, seed: int | None = None
    ) -> None:
        # The SDK retries only before a stream is returned, never mid-stream; one retry covers
        # llama.cpp closing a kept-alive connection (seen: 4 of 150 requests without it).
        self.client = AsyncOpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=1
        )
        self.model_id = model_id
        self.seed = seed  # fixed sampling seed: evals rerun the same way

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ChatChunk]:
        """Stream deltas; a `json_schema` asks the server to constrain its output to it."""
        extra: dict[str, Any] = {}
        if json_schema is not None:  # sent raw: servers differ in what the SDK's types allow
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": json_schema, "strict": True},
            }
        try:
            response = await self.client.chat.completions.create(
                model=self.model_id,
                messages=cast(list[ChatCompletionMessageParam], messages),
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
                seed=self.seed,
                extra_body=extra or None,
            )
            async with response:  # leaving early closes the HTTP stream: the server stops
                async for event in response:
                    usage = event.usage and Usage(
                        event.usage.prompt_tokens, event.usage.completion_tokens
                    )
                    text = (event.choices[0].delta.content or "") if event.choices else ""
                    if text or usage:
                        yield ChatChunk(text, usage or None)
        except APIConnectionError as exc:
            raise ModelUnavailable(f"The chat model server cannot be reached: {exc}") from exc
        except APIError as exc:
            raise ModelUnavailable(f"The chat model server failed: {exc.message}") from exc


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


def build_chat_model(settings: Settings, seed: int | None = None) -> ChatModel:
    """The configured endpoint's model, or a stand-in explaining what is missing."""
    if not settings.chat_base_url or not settings.chat_model:
        return UnavailableChatModel(
            "No chat model is configured: set TUTOR_CHAT_BASE_URL and TUTOR_CHAT_MODEL, "
            "or run `tutor up`, which starts the local model."
        )
    key = settings.chat_api_key.get_secret_value() if settings.chat_api_key else None
    # Local servers ignore the key, but the SDK insists on one.
    chosen_seed = settings.chat_seed if settings.chat_seed is not None else seed
    return OpenAIChatModel(
        settings.chat_base_url, key or "not-needed", settings.chat_model,
        settings.chat_timeout_s, seed=chosen_seed,
    )  # fmt: skip
