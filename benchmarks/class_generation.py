"""One practice set generated for a class with the real local model: how many questions the
background job keeps and why it drops the others, what the set editor's checks then find in each
kept question, and how long it takes.

    nice -n 10 .venv/bin/python -m benchmarks.class_generation [--count 10] [--document PATH]

Embedded PostgreSQL + Redis under /tmp/bench-data/class-generation (`--bench-dir`), the real
embedder and the default local chat model (TUTOR_LOCAL_CHAT_MODEL under llama.cpp, started as
`tutor up` starts it). A teacher ingests the document (R-intro.pdf by default) in this process
through the pipeline, shares it with a new class, and one generation started by
`tutor.practice.generations.start_for_class` runs through `tutor.practice.generator.
run_generation`, as the worker runs it. Prints the CPU, the model, the questions asked for, kept
and dropped by reason (the generation's row), the job's wall time and seconds per kept question,
then each kept question with its anchor and the problems `tutor.practice.set_editing.
set_problems` (the editor's deterministic checks) finds in it.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from pathlib import Path
from uuid import UUID

from psycopg import AsyncConnection

from benchmarks.run_info import cpu_summary, print_load, source_state
from ingestion.pipeline import ingest
from ingestion.uploads import UploadLimits, accept_upload
from tutor.accounts import users
from tutor.chat.context import ChatContext
from tutor.chat.prompt_set import PromptSet
from tutor.classes.classes import create_class
from tutor.classes.materials import share
from tutor.errors import EmailTaken
from tutor.llm.chat_model import UnavailableChatModel
from tutor.llm.local_server import unavailable_reason
from tutor.practice import generations
from tutor.practice.generations import Generation, GenerationRequest, Prompted
from tutor.practice.generator import GeneratorDeps, run_generation
from tutor.practice.set_editing import set_problems
from tutor.resources import Resources, opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps
from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
R_INTRO = ROOT.parent / "shared" / "data" / "documents" / "educational" / "R-intro.pdf"
TEACHER_EMAIL = "bench-generation-teacher@example.com"
ITEMS = """
SELECT id, question, options, answer, quote, page_start, page_end FROM practice_items
WHERE set_id = %(set_id)s ORDER BY ordinal
"""


async def teacher(conn: AsyncConnection) -> UUID:
    """The benchmark's teacher: made by the first run, found by later ones."""
    try:
        user = await users.create_user(conn, TEACHER_EMAIL, secrets.token_urlsafe(16), "teacher")
    except EmailTaken:
        user = await users.get_user_by_email(conn, TEACHER_EMAIL)
    await conn.commit()
    return user.id


async def ingested(resources: Resources, owner: UUID, path: Path) -> UUID:
    """The document, ingested in this process (once: the same bytes again are not)."""
    settings = resources.settings
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    async with worker_deps(resources) as deps:
        async with deps.pool.connection() as conn:
            data = path.read_bytes()
            upload = await accept_upload(conn, None, owner, path.name, data, limits=limits)
        status = upload.document.status
        if status not in ("ready", "failed"):
            status = await ingest(deps, upload.document.id)
    if status != "ready":
        raise SystemExit(f"{path.name} was not ingested: {status}")
    return upload.document.id


async def started(
    resources: Resources,
    prompts: PromptSet,
    owner: UUID,
    document_id: UUID,
    args: argparse.Namespace,
) -> Generation:
    """A new class with the document shared, and a generation from it, committed."""
    async with resources.pool.connection() as conn:
        made = await create_class(conn, owner, "teacher", "Generated practice", "R", "UTC")
        await share(conn, owner, made.id, document_id)
        model_id = resources.chat_model.model_id
        prompted = Prompted(prompts.practice.name, prompts.practice.version, model_id)
        request = GenerationRequest(made.id, [document_id], args.count, args.topic)
        job, _ = await generations.start_for_class(conn, owner, request, prompted)
        await conn.commit()
    return job


async def report(conn: AsyncConnection, owner: UUID, job: Generation, wall_s: float) -> None:
    """The generation's figures, then each kept question with the checks' findings."""
    final = await generations.get(conn, owner, job.id)
    print(f"status: {final.status}" + (f" ({final.error_code}: {final.error_message})"
                                       if final.error_code else ""))  # fmt: skip
    print(f"model: {final.model_id}")
    print(f"requested {final.requested}, kept {final.kept}, anchors tried {final.done} of "
          f"{final.total}")  # fmt: skip
    dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(final.dropped.items()))
    print(f"dropped: {sum(final.dropped.values())} ({dropped or 'none'})")
    per_item = f"{wall_s / final.kept:.1f} s" if final.kept else "-"
    print(f"wall time {wall_s:.1f} s, {per_item} per kept question")
    problems = await set_problems(conn, job.set_id)
    flagged = sum(1 for found in problems.values() if found)
    print(f"kept questions the editor's checks flag: {flagged} of {len(problems)}")
    cur = await conn.execute(ITEMS, {"set_id": job.set_id})
    for n, (item_id, question, options, answer, quote, start, end) in enumerate(
        await cur.fetchall(), start=1
    ):
        pages = f"p. {start}" if start == end else f"pp. {start}-{end}"
        print(f"\n{n}. {question}")
        for option in options:
            print(f"   {'*' if option == answer else '-'} {option}")
        print(f"   answer: {answer}")
        print(f"   anchor ({pages}): {quote}")
        found = problems.get(item_id, [])
        shown = "; ".join(f"{p.code}{' (blocking)' if p.blocking else ''}" for p in found)
        print(f"   checks: {shown or 'none'}")


async def measure(settings: Settings, args: argparse.Namespace) -> None:
    async with opened(settings, redis=True, embedder=True, chat=True) as resources:
        model = resources.chat_model
        if isinstance(model, UnavailableChatModel):
            raise SystemExit(f"no chat model: {unavailable_reason(settings)}")
        async with resources.pool.connection() as conn:
            owner = await teacher(conn)
        began = time.perf_counter()
        document_id = await ingested(resources, owner, args.document)
        print(f"{args.document.name} ready in {time.perf_counter() - began:.1f} s")
        prompts = PromptSet.load(folder=settings.prompts_dir)
        job = await started(resources, prompts, owner, document_id, args)
        context = ChatContext(resources.pool, resources.embedder, model, prompts)
        deps = GeneratorDeps(context, resources.redis, settings.tutor_max_output_tokens)
        print(f"model {model.model_id}: {args.count} questions, topic {args.topic!r}", flush=True)
        print_load("before the generation")
        began = time.perf_counter()
        await run_generation(deps, job.id)
        wall_s = time.perf_counter() - began
        print_load("after the generation")
        async with resources.pool.connection() as conn:
            await report(conn, owner, job, wall_s)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10, help="questions asked for (max 30)")
    parser.add_argument("--document", type=Path, default=R_INTRO)
    parser.add_argument("--topic", default=None, help="default: spread over the document")
    parser.add_argument("--bench-dir", type=Path, default=Path("/tmp/bench-data/class-generation"))
    args = parser.parse_args(argv)
    print(f"source {source_state()}; CPU: {cpu_summary()}")
    with services(Settings(data_dir=args.bench_dir), chat=True) as settings:
        asyncio.run(measure(settings, args))


if __name__ == "__main__":
    main()
