"""Tutor quality figures on the real stack and a real chat model (default: the local one).

`TUTOR_DATA_DIR=/tmp/eval-data python -m evals.tutor_quality --suite grounded-qa --limit 40`

Suites (see evals/tutor_datasets.py): grounded-qa (XQuAD: containment, F1, citation
precision, phantom citations), no-answer (SQuAD 2.0 sample: declines on unanswerable,
answers answerable), hints (GSM8K: leak rate of the gold answer per hint level), practice
(R-intro.pdf and 20 SciFact abstracts: share of requested items kept, each check's rate before
and after distractor repair, the blind verifier's agreement, drop reasons). Notes are ingested
once per suite into a dedicated account (cached by content hash), then every item goes through
the same `TutorEngine` the websocket uses. Metrics are deterministic, except `judged_helpfulness` of
hints, which an LLM judge gives when one is configured (`evals/judge.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg_pool import AsyncConnectionPool
from tqdm import tqdm

from evals.answer_metrics import contains, exact_match, token_f1
from evals.judge import judge_hint
from evals.scifact_retrieval import eval_owner
from evals.tutor_datasets import SUITES, Item, Suite
from ingestion.pipeline import IngestionDeps, ingest
from ingestion.uploads import UploadLimits, accept_upload
from tutor.chat.asks import Ask, Mode
from tutor.chat.engine import TutorEngine
from tutor.chat.hint_guard import find_leak
from tutor.chat.prompt_set import PromptSet
from tutor.events import Event
from tutor.llm.prompts import DEFAULT_DIR, load_prompt
from tutor.resources import build_judge, opened
from tutor.runtime.services import services
from tutor.runtime.worker import worker_deps
from tutor.settings import Settings

Events = list[Event]
EVAL_SEED = 1234  # unless TUTOR_CHAT_SEED says otherwise: reruns sample the same way
CHUNK_TEXTS = "SELECT id, text FROM chunks WHERE owner_id = %(owner_id)s AND id = ANY(%(ids)s)"
DOCUMENTS_NAMED = """
SELECT id FROM documents WHERE owner_id = %(owner_id)s AND filename = ANY(%(filenames)s)
"""


async def suite_owner(pool: AsyncConnectionPool, suite: str) -> UUID:
    """The suite's own account, so its notes are all its tutor can see."""
    return await eval_owner(pool, f"eval-{suite}@example.com")


async def ingest_notes(
    deps: IngestionDeps, owner_id: UUID, suite: Suite, limits: UploadLimits
) -> Counter[str]:
    """Every note through the real upload + ingestion path; unchanged ones cost nothing."""
    outcomes: Counter[str] = Counter()
    for note in tqdm(suite.notes, desc="notes", unit="doc", file=sys.stderr):
        async with deps.pool.connection() as conn:
            upload = await accept_upload(
                conn, None, owner_id, note.filename, note.content, limits=limits
            )
        if not upload.created and upload.document.status in ("ready", "failed"):
            outcomes["cached"] += 1
            continue
        outcomes[await ingest(deps, upload.document.id)] += 1
    return outcomes


async def ask_one(
    engine: TutorEngine, owner_id: UUID, suite: Suite, item: Item, index: int
) -> Events:
    """The events one item produced."""
    events: Events = []
    scope = await documents_of(engine.pool, owner_id, item)
    ask = Ask(
        mode=Mode(suite.mode),
        text=item.text,
        hint_level=index % 3 + 1,
        count=5,
        document_ids=scope,
    )
    await engine.respond(owner_id, ask, uuid.uuid4(), events.append)
    return events


async def documents_of(pool: AsyncConnectionPool, owner_id: UUID, item: Item) -> list[UUID] | None:
    """The documents an item may search (`extra["documents"]`, "|"-separated filenames), or
    None for all of the suite's notes."""
    if "documents" not in item.extra:
        return None
    filenames = item.extra["documents"].split("|")
    async with pool.connection() as conn:
        cur = await conn.execute(DOCUMENTS_NAMED, {"owner_id": owner_id, "filenames": filenames})
        return [row[0] for row in await cur.fetchall()]


def text_of(events: Events) -> str:
    return "".join(e.data["text"] for e in events if e.type == "delta")


def done_of(events: Events) -> dict[str, Any]:
    return next(e.data for e in events if e.type == "done")


def citations_of(events: Events) -> list[dict[str, Any]]:
    return next((e.data["items"] for e in events if e.type == "citations"), [])


async def score_grounded(
    pool: AsyncConnectionPool, owner_id: UUID, item: Item, events: Events
) -> dict[str, Any]:
    text, done, cited = text_of(events), done_of(events), citations_of(events)
    async with pool.connection() as conn:
        cur = await conn.execute(
            CHUNK_TEXTS, {"owner_id": owner_id, "ids": [c["chunk_id"] for c in cited]}
        )
        chunk_texts = {row[0]: row[1] for row in await cur.fetchall()}
    supporting = [contains(chunk_texts.get(c["chunk_id"], ""), item.answers) for c in cited]
    return {
        "contains": contains(text, item.answers),
        "f1": token_f1(text, item.answers),
        "exact_match": exact_match(text, item.answers),
        "grounded": float(done.get("grounded", False)),
        "citations": len(cited),
        "citation_precision": statistics.fmean(supporting) if supporting else None,
        "phantom_citations": done.get("phantom_citations", 0),
        "p_yes": probed(done),
    }


def probed(done: dict[str, Any]) -> float | None:
    """The answerability probe's P(yes), kept per item so a run can be re-thresholded later."""
    answerable = done.get("answerable")
    return answerable.get("p_yes") if isinstance(answerable, dict) else None


def score_no_answer(item: Item, events: Events) -> dict[str, Any]:
    done = done_of(events)
    declined = bool(done.get("general_answer"))  # said plainly: the notes do not cover it
    return {
        "answerable": item.answerable,
        "declined": declined,
        "correct": declined != item.answerable,
        "p_yes": probed(done),
        "contains": contains(text_of(events), item.answers) if item.answerable else None,
    }


def score_hint(item: Item, events: Events, index: int) -> dict[str, Any]:
    text, done = text_of(events), done_of(events)
    leak = find_leak(text, item.answers[0], item.text)
    hint = done.get("hint", {})
    return {
        "level": index % 3 + 1,
        "leaked": leak is not None,
        "leak": leak.reason if leak else None,
        "fallback": hint.get("fallback"),
        "attempts": hint.get("attempts"),
    }


def score_practice(events: Events) -> dict[str, Any]:
    done = done_of(events)
    facts = done.get("practice", {"requested": 5, "kept": 0, "dropped": {}})
    errors = [e.data["code"] for e in events if e.type == "error"]
    audit = facts.get("audit", {})
    distractors = audit.get("distractors", {})
    verifier = audit.get("verifier", {})
    return {
        "requested": facts["requested"],
        "kept": facts["kept"],
        "dropped": facts["dropped"],
        "error": errors[0] if errors else None,
        "items": audit.get("items", 0),
        "multiple_choice": audit.get("multiple_choice", 0),
        "problems": audit.get("problems", {}),
        "schema_attempts": audit.get("schema_attempts", 0),
        "schema_failures": audit.get("schema_failures", 0),
        "checked": audit.get("checked", 0),
        "after_repair": audit.get("after_repair", {}),
        "distractors_weak": distractors.get("weak", 0),
        "distractors_from_model": distractors.get("model_replaced", 0),
        "distractors_from_notes": distractors.get("notes_replaced", 0),
        "verifier_checked": verifier.get("checked", 0),
        "verifier_agreed": verifier.get("agreed", 0),
        "first_item_ms": done.get("timings", {}).get("first_item_ms"),
    }


def aggregate(suite: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The suite's headline numbers from its per-item rows."""

    def mean(key: str, subset: Sequence[dict[str, Any]] = rows) -> float | None:
        values = [float(r[key]) for r in subset if r.get(key) is not None]
        return round(statistics.fmean(values), 4) if values else None

    if suite == "grounded-qa":
        return {
            k: mean(k) for k in ("contains", "f1", "exact_match", "grounded", "citation_precision")
        } | {"phantom_citations": sum(r["phantom_citations"] for r in rows)}
    if suite == "no-answer":
        unanswerable = [r for r in rows if not r["answerable"]]
        answerable = [r for r in rows if r["answerable"]]
        return {
            "no_answer_accuracy": mean("declined", unanswerable),
            "answered_rate": round(1 - (mean("declined", answerable) or 0), 4),
            "answerable_contains": mean("contains", answerable),
            "accuracy": mean("correct"),
        }
    if suite == "hints":
        by_level = {
            f"leak_rate_level_{lv}": mean("leaked", [r for r in rows if r["level"] == lv])
            for lv in (1, 2, 3)
        }
        judged = {"judged_helpfulness": mean("judged_helpfulness")}  # only with a judge
        return {"leak_rate": mean("leaked"), **by_level, "fallback_rate": mean("fallback")} | (
            judged if judged["judged_helpfulness"] is not None else {}
        )
    return practice_rates(rows)


def practice_rates(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Kept share of requested items; each check's rate over the drafts as the model wrote
    them, and over those that reached the option checks after distractor repair; the blind
    verifier's agreement with the keys it was shown; time to the first item and to the set."""

    def total(key: str) -> int:
        return sum(r.get(key) or 0 for r in rows)

    def counted(key: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for r in rows:
            found.update(r.get(key) or {})
        return found

    def share(count: int, whole: int) -> float | None:
        return round(count / whole, 4) if whole else None

    def mean_s(key: str) -> float | None:
        values = [r[key] / 1000 for r in rows if r.get(key) is not None]
        return round(statistics.fmean(values), 1) if values else None

    items, multiple_choice, checked = total("items"), total("multiple_choice"), total("checked")
    problems, repaired = counted("problems"), counted("after_repair")
    attempts = total("schema_attempts")
    return {
        "kept_fraction": share(total("kept"), total("requested")),
        "failed_sets": sum(1 for r in rows if r.get("error")),
        "schema_valid_rate": share(attempts - total("schema_failures"), attempts),
        "key_supported_rate": share(items - problems["unsupported_key"], items),
        "one_correct_option_rate": share(
            multiple_choice - problems["key_not_one_option"], multiple_choice
        ),
        "duplicate_options_rate": share(problems["duplicate_options"], multiple_choice),
        "weak_distractor_rate": share(total("distractors_weak"), 3 * items),
        "one_correct_option_rate_after_repair": share(
            checked - repaired["key_not_one_option"], checked
        ),
        "duplicate_options_rate_after_repair": share(repaired["duplicate_options"], checked),
        "verifier_agreement_rate": share(total("verifier_agreed"), total("verifier_checked")),
        "first_item_seconds": mean_s("first_item_ms"),
        "set_seconds": mean_s("total_ms"),
        "dropped": dict(counted("dropped")),
    }


async def run_suite(settings: Settings, suite: Suite, prompts: dict[str, str]) -> dict[str, Any]:
    """Ingest the suite's notes, ask every item, score it; returns rows and aggregates."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    async with opened(settings, redis=True, embedder=True, chat=True, seed=EVAL_SEED) as resources:
        async with worker_deps(resources) as deps:
            owner_id = await suite_owner(deps.pool, suite.name)
            ingestion = await ingest_notes(deps, owner_id, suite, limits)
        engine = TutorEngine(
            resources.pool,
            resources.embedder,
            resources.chat_model,
            settings,
            PromptSet.load(prompts, settings.prompts_dir),
        )
        result = await ask_suite(engine, owner_id, suite)
    return result | {"suite": suite.name, "ingestion": dict(ingestion)}


async def ask_suite(engine: TutorEngine, owner_id: UUID, suite: Suite) -> dict[str, Any]:
    """Ask every item of the suite and score it; returns rows and aggregates."""
    judge = build_judge(engine.settings)
    judged = judge is not None and suite.name == "hints"
    judge_prompt = load_prompt("judge_hint", engine.settings.prompts_dir or DEFAULT_DIR)
    rows = []
    started = time.monotonic()
    for index, item in enumerate(tqdm(suite.items, desc=suite.name, unit="item", file=sys.stderr)):
        events = await ask_one(engine, owner_id, suite, item, index)
        row = await score_item(engine.pool, owner_id, suite, item, events, index)
        if judge is not None and judged:
            row["judged_helpfulness"] = await judge_hint(
                judge, judge_prompt, item.text, text_of(events), row["level"]
            )
        total_ms = done_of(events).get("timings", {}).get("total_ms")
        rows.append({"id": item.id, **row, "total_ms": total_ms, "text": text_of(events)})
    prompts = {name: getattr(engine.prompts, name).ref for name in PromptSet.__dataclass_fields__}
    return {
        "model": engine.model.model_id,
        "items": len(rows),
        "prompts": prompts | ({"judge_hint": judge_prompt.ref} if judged else {}),
        "judge": judge.model_id if judge is not None else None,
        "seconds": round(time.monotonic() - started, 1),
        "metrics": aggregate(suite.name, rows),
        "rows": rows,
    }


async def score_item(
    pool: AsyncConnectionPool, owner_id: UUID, suite: Suite, item: Item, events: Events, index: int
) -> dict[str, Any]:
    if suite.name == "grounded-qa":
        return await score_grounded(pool, owner_id, item, events)
    if suite.name == "no-answer":
        return score_no_answer(item, events)
    if suite.name == "hints":
        return score_hint(item, events, index)
    return score_practice(events)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--suite", choices=sorted(SUITES), action="append", required=True)
    parser.add_argument("--limit", type=int, default=None, help="items per suite (a fixed sample)")
    parser.add_argument("--prompt", action="append", default=[], help="NAME@vN, e.g. answer@v1")
    parser.add_argument("--json", type=Path, default=None, help="also write all rows here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    prompts = {ref.split("@")[0]: ref for ref in args.prompt}
    results = []
    with services(Settings(), chat=True) as settings:
        for name in args.suite:
            result = asyncio.run(run_suite(settings, SUITES[name](args.limit), prompts))
            results.append(result)
            print(
                f"{name}: model {result['model']}, {result['items']} items, {result['seconds']} s"
            )
            print(json.dumps(result["metrics"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
