"""How long a student waits with the local model: the first useful event, the model's first
token and the whole answer, before and after the sharp context, in one run.

    TUTOR_DATA_DIR=/tmp/latency-data python benchmarks/tutor_latency.py [--asks 30] [--before 8]

Real stack (embedded PostgreSQL + Redis, real MiniLM, the local llama.cpp server with
TUTOR_LOCAL_CHAT_MODEL, by default Qwen2.5-Coder-1.5B-Instruct Q4_K_M) through the tutor
engine, as `tutor ask` runs it. Two corpora, each its own student: the demo notes and
R-intro.pdf (113 pages, from ../shared/data). Questions: benchmarks/data/latency_questions.json.

Configurations, each with a fresh model server:
- before: whole chunks up to the context window, prompt read with cores - 1 threads;
- after: the sharp context (TUTOR_TUTOR_SOURCE_TOKENS) and the prompt read with every core.
Prints p50/p95 of: the `sources` event (sources + best passage), the first token, the whole
answer; and where the time goes: retrieval, the model reading its prompt (first token as the
model server reports it), generation; with prompt tokens, the CPU and the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.run_info import cpu_summary, print_load, source_state
from evals.scifact_retrieval import eval_owner
from ingestion.pipeline import ingest
from ingestion.uploads import UploadLimits, accept_upload
from tutor.chat.asks import Ask
from tutor.chat.engine import TutorEngine
from tutor.events import Event
from tutor.resources import opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps
from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = json.loads((ROOT / "benchmarks" / "data" / "latency_questions.json").read_text())
R_INTRO = ROOT.parent / "shared" / "data" / "documents" / "educational" / "R-intro.pdf"
CONFIGS = {
    # Whole chunks, the prompt read on one core, no answerability probe: the tutor as it was.
    "before": {
        "tutor_source_tokens": 100_000,
        "local_chat_batch_threads": 1,
        "tutor_answerable_threshold": 0.0,
    },
    "after": {},
}


@dataclass
class Timed:
    """One ask: seconds from the ask to each milestone, and the engine's own figures."""

    sources_s: float | None = None
    first_token_s: float | None = None
    total_s: float = 0.0
    done: dict[str, Any] | None = None


def corpora() -> dict[str, list[tuple[str, bytes]]]:
    demo = sorted((ROOT / "tutor" / "demo_notes").iterdir())
    return {
        "demo": [(p.name, p.read_bytes()) for p in demo],
        "r-intro": [(R_INTRO.name, R_INTRO.read_bytes())],
    }


async def prepare(resources: Any, settings: Settings) -> dict[str, UUID]:
    """A student per corpus with its notes ingested (once: unchanged files are skipped)."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    owners = {}
    async with worker_deps(resources) as deps:
        for name, files in corpora().items():
            owner = await eval_owner(deps.pool, f"latency-{name}@example.com")
            for filename, data in files:
                async with deps.pool.connection() as conn:
                    upload = await accept_upload(conn, None, owner, filename, data, limits=limits)
                if upload.document.status not in ("ready", "failed"):
                    await ingest(deps, upload.document.id)
            owners[name] = owner
    return owners


async def ask_once(engine: TutorEngine, owner: UUID, question: str) -> Timed:
    timed = Timed()
    started = time.perf_counter()

    def record(event: Event) -> None:
        now = time.perf_counter() - started
        if event.type == "sources" and timed.sources_s is None:
            timed.sources_s = now
        elif event.type == "delta" and timed.first_token_s is None:
            timed.first_token_s = now
        elif event.type == "done":
            timed.done = event.data
            timed.total_s = now

    await engine.respond(owner, Ask(text=question), uuid.uuid4(), record)
    return timed


async def measure(settings: Settings, asks: int) -> dict[str, list[Timed]]:
    async with opened(settings, redis=True, embedder=True, chat=True) as resources:
        owners = await prepare(resources, settings)
        engine = TutorEngine(resources.pool, resources.embedder, resources.chat_model, settings)
        await ask_once(engine, owners["demo"], "What is photosynthesis?")  # warm up, not counted
        results: dict[str, list[Timed]] = {}
        for name, owner in owners.items():
            results[name] = [await ask_once(engine, owner, q) for q in QUESTIONS[name][:asks]]
    return results


def quantiles(values: list[float]) -> str:
    if not values:
        return "     -        -"
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"{statistics.median(values):6.1f} s {p95:6.1f} s"


def report(config: str, name: str, rows: list[Timed]) -> None:
    done = [r.done or {} for r in rows]
    timings = [d.get("timings", {}) for d in done]
    prompt_tokens = [d.get("usage", {}).get("prompt_tokens") or 0 for d in done]
    model_first = [t["model_first_token_ms"] / 1000 for t in timings if "model_first_token_ms" in t]
    generation = [r.total_s - r.first_token_s for r in rows if r.first_token_s is not None]
    declined = sum(1 for d in done if d.get("general_answer"))
    print(f"{config:<7} {name:<8} {len(rows):3d} asks   p50      p95")
    print(f"  sources + best passage   {quantiles([r.sources_s for r in rows if r.sources_s])}")
    first = [r.first_token_s for r in rows if r.first_token_s]
    print(f"  first token              {quantiles(first)}")
    print(f"  whole answer             {quantiles([r.total_s for r in rows])}")
    retrieval = [t.get("retrieval_ms", 0) / 1000 for t in timings]
    print(f"  split: retrieval         {quantiles(retrieval)}")
    probe = [t["answerable_ms"] / 1000 for t in timings if "answerable_ms" in t]
    print(f"         answerable probe  {quantiles(probe)}")
    print(f"         prompt reading    {quantiles(model_first)}")
    print(f"         generation        {quantiles(generation)}")
    print(
        f"  prompt tokens p50 {statistics.median(prompt_tokens):.0f}; "
        f"declined (general answer) {declined} of {len(rows)}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asks", type=int, default=30, help="questions per corpus, after")
    parser.add_argument("--before", type=int, default=8, help="questions per corpus, before")
    parser.add_argument("--only", choices=sorted(CONFIGS), default=None)
    args = parser.parse_args(argv)
    print(f"source {source_state()}; {cpu_summary()}")
    base = Settings()
    print(f"model {base.local_chat_model}")
    for config, update in CONFIGS.items():
        if args.only and config != args.only:
            continue
        asks = args.before if config == "before" else args.asks
        print_load(f"before {config}")
        with services(base.model_copy(update=update), chat=True) as settings:
            results = asyncio.run(measure(settings, asks))
        for name, rows in results.items():
            report(config, name, rows)
        print_load(f"after {config}")


if __name__ == "__main__":
    main()
