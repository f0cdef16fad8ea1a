"""`ChatModel` over any OpenAI-compatible server.

OpenAI, vLLM, Ollama and the local llama.cpp server all speak the same streaming API, so the
engine has one code path.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any, cast

from openai import APIConnectionError, APIError, AsyncOpenAI, AsyncStream, BadRequestError
from openai.types.chat import ChatCompletionMessageParam

from tutor.errors import ModelUnavailable
from tutor.llm.chat_model import ChatChunk, ChatMessage, Usage


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
        body: dict[str, Any] = {
            "model": self.model_id,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.seed is not None:
            body["seed"] = self.seed
        if json_schema is not None:  # sent raw: servers differ in what the SDK's types allow
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": json_schema, "strict": True},
            }
        try:
            # The SDK's untyped request: its retries, errors and SSE decoding, but each chunk
            # stays the parsed JSON. Building the typed chunk models was a fifth of the API's
            # CPU in an ask, one chunk per token (benchmarks/ask_cost.py).
            response = await self.client.post(
                "/chat/completions",
                body=body,
                cast_to=object,
                stream=True,
                stream_cls=AsyncStream[object],
            )
            async with response:  # leaving early closes the HTTP stream: the server stops
                async for event in response:
                    chunk = _chunk(event)
                    if chunk.text or chunk.usage:  # not the role-only first delta
                        yield chunk
        except APIConnectionError as exc:
            raise ModelUnavailable(f"The chat model server cannot be reached: {exc}") from exc
        except APIError as exc:
            raise ModelUnavailable(f"The chat model server failed: {exc.message}") from exc

    async def first_token_probabilities(
        self, messages: list[ChatMessage], *, top: int
    ) -> dict[str, float]:
        """One greedy token with its `top` alternatives (OpenAI's `logprobs`, which llama.cpp
        and vLLM serve too); {} from a server that refuses or ignores them."""
        try:
            response = await self.client.chat.completions.create(
                model=self.model_id,
                messages=cast(list[ChatCompletionMessageParam], messages),
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=top,
                seed=self.seed,
            )
        except BadRequestError:
            return {}
        except APIConnectionError as exc:
            raise ModelUnavailable(f"The chat model server cannot be reached: {exc}") from exc
        except APIError as exc:
            raise ModelUnavailable(f"The chat model server failed: {exc.message}") from exc
        logprobs = response.choices[0].logprobs if response.choices else None
        if not logprobs or not logprobs.content:
            return {}
        probabilities: dict[str, float] = {}
        for candidate in logprobs.content[0].top_logprobs:
            # Tokens can repeat after detokenisation (" yes" vs "yes" stay distinct here).
            probabilities[candidate.token] = probabilities.get(candidate.token, 0.0) + math.exp(
                candidate.logprob
            )
        return probabilities


def _chunk(event: object) -> ChatChunk:
    """One streamed `chat.completion.chunk`: its text, and the usage the last one carries."""
    if not isinstance(event, dict):
        return ChatChunk()
    choices = event.get("choices") or ()
    text = ((choices[0].get("delta") or {}).get("content") or "") if choices else ""
    usage = event.get("usage")
    if not usage:
        return ChatChunk(text, None)
    return ChatChunk(text, Usage(usage.get("prompt_tokens"), usage.get("completion_tokens")))
