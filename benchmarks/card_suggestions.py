"""Cards from the notes with the real local model: how many it suggests, how many survive the
checks, and how often a card's answer is found in the quote it gives.

    python benchmarks/card_suggestions.py [--count 10] [--file PATH (default: R-intro.pdf)]

One fresh user on an embedded stack (`tutor.runtime.services`, with the local chat model
started as `tutor up` starts it): the file goes through `accept_upload` and the real pipeline,
then one suggestion job (`card_suggester.run_suggestion_job`, as the worker runs it) asks for
`--count` cards from passages spread over the document. Every reply the model gives is kept
and parsed again here, so cards the checks dropped are counted too:

- suggested: cards the model wrote (well-formed JSON);
- kept: cards stored as suggestions (quote located in the passage, answer supported by it,
  question not giving it away; at most one per passage asked for);
- answer in quote: the share whose answer, normalised, appears word for word in the quote the
  model gave (of the suggested) and in the passage's own quote stored (of the kept).

Prints figures; asserts nothing. The account is deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accounts import delete_user, fresh_user
from run_info import cpu_summary, print_load, source_state

from ingestion.pipeline import ingest
from ingestion.uploads import UploadLimits, accept_upload
from tutor.chat.hint_guard import normalise
from tutor.llm.chat_model import ChatChunk, ChatMessage, ChatModel
from tutor.llm.prompts import load_prompt
from tutor.resources import build_chat_model, opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps, worker_pool_size
from tutor.settings import Settings
from tutor.study import card_suggestions, decks
from tutor.study.card_suggester import SuggesterDeps, run_suggestion_job
from tutor.study.card_writer import parse_cards

R_INTRO = Path(__file__).resolve().parents[2] / "shared/data/documents/educational/R-intro.pdf"


class Recording:
    """The model, with every reply it streamed kept for counting."""

    def __init__(self, model: ChatModel) -> None:
        self.model, self.model_id = model, model.model_id
        self.replies: list[str] = []
        self.seconds: list[float] = []

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None = None,
    ) -> AsyncIterator[ChatChunk]:
        """The model's stream, recorded."""
        started, parts = time.perf_counter(), []
        async for chunk in self.model.stream(
            messages, max_tokens=max_tokens, temperature=temperature, json_schema=json_schema
        ):
            parts.append(chunk.text)
            yield chunk
        self.replies.append("".join(parts))
        self.seconds.append(time.perf_counter() - started)

    async def first_token_probabilities(
        self, messages: list[ChatMessage], *, top: int
    ) -> dict[str, float]:
        """Passed through."""
        return await self.model.first_token_probabilities(messages, top=top)


def in_quote(answer: str, quote: str) -> bool:
    """The answer, normalised, as whole words of the normalised quote."""
    key = normalise(answer)
    return bool(key) and f" {key} " in f" {normalise(quote)} "


def share(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "0/0"


async def run(args: argparse.Namespace) -> None:
    """Ingest the file for a fresh user, run one suggestion job, print the counts."""
    settings = Settings(data_dir=args.bench_dir)
    with services(settings, chat=True) as live:
        async with (
            opened(live, pool_size=worker_pool_size(live), redis=True, embedder=True) as res,
            worker_deps(res) as deps,
        ):
            model = Recording(build_chat_model(live))
            print(f"source: {source_state()}; cpu: {cpu_summary()}; model: {model.model_id}")
            print_load("at start")
            owner = await fresh_user(deps, "bench-cards")
            try:
                limits = UploadLimits(live.max_upload_bytes, live.max_documents_per_user)
                async with deps.pool.connection() as conn:
                    upload = await accept_upload(
                        conn, None, owner, args.file.name, args.file.read_bytes(), limits=limits
                    )
                print(f"ingested {args.file.name}: {await ingest(deps, upload.document.id)}")
                async with deps.pool.connection() as conn:
                    deck = await decks.create_deck(conn, owner, "Benchmark", datetime.now(UTC))
                    request = card_suggestions.SuggestionRequest(
                        deck.id, args.count, [upload.document.id]
                    )
                    job, _ = await card_suggestions.create_job(conn, owner, request, None)
                suggester = SuggesterDeps(
                    deps.pool, deps.redis, deps.embedder, model, load_prompt("cards")
                )
                started = time.perf_counter()
                status = await run_suggestion_job(suggester, job.id)
                wall = time.perf_counter() - started
                await report(deps.pool, owner, job.id, model, status, wall)
            finally:
                await delete_user(deps, owner)
            print_load("at end")


async def report(
    pool: Any, owner: uuid.UUID, job_id: uuid.UUID, model: Recording, status: str, wall: float
) -> None:
    """The job's counts and the answer-in-quote shares."""
    async with pool.connection() as conn:
        job = await card_suggestions.get_job(conn, owner, job_id)
        kept = await card_suggestions.list_pending(conn, owner, job.deck_id, limit=100)
    drafts = [d for reply in model.replies for d in (parse_cards(reply) or [])]
    unreadable = sum(parse_cards(reply) is None for reply in model.replies)
    print(f"job {status} in {wall:.0f} s: {job.done} passages, {len(model.replies)} model calls")
    if model.seconds:
        print(f"  per call: median {sorted(model.seconds)[len(model.seconds) // 2]:.1f} s")
    print(f"  suggested: {len(drafts)} cards ({unreadable} replies unreadable)")
    print(f"  kept: {len(kept)} ({share(len(kept), len(drafts))} of suggested)")
    print(f"  dropped by reason: {job.dropped}")
    said = sum(in_quote(d.answer, d.quote) for d in drafts)
    print(f"  answer in its quote, suggested: {share(said, len(drafts))}")
    stored = sum(in_quote(s.back, s.quote) for s in kept)
    print(f"  answer in its quote, kept: {share(stored, len(kept))}")
    for s in kept[:5]:
        print(f"  - Q: {s.front}\n    A: {s.back}\n    quote: {s.quote[:160]}")
    if job.error_message:
        print(f"  error: {job.error_code}: {job.error_message}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--file", type=Path, default=R_INTRO, help="the document to write from")
    parser.add_argument("--count", type=int, default=10, help="cards asked for (1-30)")
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=Path("/tmp/bench-data/card-suggestions"),
        help="TUTOR_DATA_DIR for the embedded Postgres, Redis and local model",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
