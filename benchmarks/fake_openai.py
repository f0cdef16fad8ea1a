"""A fake OpenAI-compatible chat server that streams at a fixed token rate (benchmarks only).

`python -m benchmarks.fake_openai --port 8101 --tokens-per-s 20 --first-token-ms 50`
Each streamed chunk is one "token" (a word); the tutor talks to it through the real
`OpenAIChatModel`, so the whole client path is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

ANSWER = "Chlorophyll absorbs red and blue light [1]. "


def build_app(tokens_per_s: float, first_token_ms: float, tokens: int) -> FastAPI:
    """The fake server's app."""
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, object]:
        return {"object": "list", "data": [{"id": "fake", "object": "model"}]}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> StreamingResponse:
        body = await request.json()
        words = (ANSWER * (tokens // 6 + 1)).split(" ")[:tokens]
        return StreamingResponse(
            _stream(body.get("model", "fake"), words, tokens_per_s, first_token_ms),
            media_type="text/event-stream",
        )

    return app


async def _stream(
    model: str, words: list[str], tokens_per_s: float, first_token_ms: float
) -> AsyncIterator[str]:
    created = int(time.time())
    await asyncio.sleep(first_token_ms / 1000)
    for i, word in enumerate(words):
        if i:
            await asyncio.sleep(1 / tokens_per_s)
        yield _event(model, created, {"content": word + " "})
    usage = {"prompt_tokens": 500, "completion_tokens": len(words), "total_tokens": 500}
    last = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [],
        "usage": usage,
    }
    yield "data: " + json.dumps(last) + "\n\n"
    yield "data: [DONE]\n\n"


def _event(model: str, created: int, delta: dict[str, str]) -> str:
    chunk = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    return "data: " + json.dumps(chunk) + "\n\n"


def main() -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tokens-per-s", type=float, default=20.0)
    parser.add_argument("--first-token-ms", type=float, default=50.0)
    parser.add_argument("--tokens", type=int, default=60)
    args = parser.parse_args()
    app = build_app(args.tokens_per_s, args.first_token_ms, args.tokens)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
