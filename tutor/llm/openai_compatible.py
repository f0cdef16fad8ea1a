"""`ChatModel` over any OpenAI-compatible server.

OpenAI, vLLM, Ollama and the local llama.cpp server all speak the same streaming API, so the
engine has one code path.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any, cast

from openai import APIConnectionError, APIError, AsyncOpenAI, BadRequestError
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
