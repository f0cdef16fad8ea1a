"""`tutor eval ...`: run suites as recorded runs, list them, compare two, gate on a baseline."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

from evals import question_review, tutor_quality
from evals.beir_subset import write_subset
from evals.comparison import compare
from evals.gate import Check, breaches, load_baseline
from evals.records import EvalItem, EvalRun, content_hash, get_run, git_commit, list_runs, save_run
from evals.report import text_table, write_html
from evals.tutor_datasets import SUITES, Suite
from tutor.llm.prompts import DEFAULT_DIR, load_prompt
from tutor.resources import build_chat_model, opened
from tutor.settings import Settings

SETTINGS_RECORDED = (
    "tutor_top_k",
    "tutor_min_similarity",
    "tutor_min_lexical_share",
    "tutor_lexical_floor",
    "tutor_source_tokens",
    "search_candidates",
    "chunk_tokens",
    "tutor_max_output_tokens",
)


OUTPUT_FIELDS = (
    "text",
    "dropped",
    "leak",
    "problems",
    "after_repair",
)  # kept per item, but not numbers


def suite_hash(suite: Suite) -> str:
    """Identifies the exact notes and items a run used."""
    parts: list[bytes | str] = [n.filename.encode() + n.content for n in suite.notes]
    parts += [f"{i.id}\t{i.text}\t{'|'.join(i.answers)}" for i in suite.items]
    return content_hash(*parts)


def as_record(
    settings: Settings, suite: Suite, result: dict[str, Any]
) -> tuple[EvalRun, list[EvalItem]]:
    """A finished suite run as a record and its items."""
    run = EvalRun(
        id=uuid.uuid4(),
        kind="tutor",
        suite=suite.name,
        dataset=suite.name,
        dataset_hash=suite_hash(suite),
        git_commit=git_commit(),
        model_id=result["model"],
        prompts=result["prompts"],
        settings={k: getattr(settings, k) for k in SETTINGS_RECORDED} | {"judge": result["judge"]},
        metrics=result["metrics"],
        item_count=result["items"],
        seconds=result["seconds"],
    )
    items = []
    for row in result["rows"]:
        metrics = {k: v for k, v in row.items() if k not in OUTPUT_FIELDS and k != "id"}
        output = {k: row[k] for k in OUTPUT_FIELDS if k in row}
        items.append(EvalItem(row["id"], metrics, output))
    return run, items


async def run_tutor_suite(
    settings: Settings, name: str, limit: int | None, prompts: dict[str, str]
) -> EvalRun:
    """Run one suite through the real engine and record it; returns the stored run."""
    suite = SUITES[name](limit)
    result = await tutor_quality.run_suite(settings, suite, prompts)
    run, items = as_record(settings, suite, result)
    await store(settings, run, items)
    return run


async def store(settings: Settings, run: EvalRun, items: list[EvalItem]) -> None:
    """Save a finished run and its items."""
    async with opened(settings, pool_size=1) as resources, resources.pool.connection() as conn:
        await save_run(conn, run, items)


async def run_question_review(
    settings: Settings, limit: int | None, use_model: bool, prompt_ref: str
) -> EvalRun:
    """Score the question checker (and, with a model, the blind verifier) on MMLU-Redux."""
    questions = question_review.load_questions(limit)
    model = build_chat_model(settings, seed=tutor_quality.EVAL_SEED) if use_model else None
    folder = settings.prompts_dir or DEFAULT_DIR
    prompt = load_prompt(prompt_ref, folder) if use_model else None
    result = await question_review.run_review(questions, model, prompt)
    run = EvalRun(
        id=uuid.uuid4(),
        kind="questions",
        suite="question-check",
        dataset="mmlu-redux",
        dataset_hash=content_hash(question_review.DATASET.read_bytes(), str(limit)),
        git_commit=git_commit(),
        model_id=model.model_id if model else None,
        prompts={"verify": prompt.ref} if prompt else {},
        settings={"limit": limit},
        metrics=result["metrics"],
        item_count=result["items"],
        seconds=result["seconds"],
    )
    numbers = ("defective", *question_review.DETECTORS)
    items = [
        EvalItem(
            row["id"],
            {k: row[k] for k in numbers if k in row},
            {"label": row["label"], "flags": row["flags"], "pick": row.get("pick")},
        )
        for row in result["rows"]
    ]
    await store(settings, run, items)
    return run


async def run_retrieval(
    settings: Settings, dataset: Path, split: str, mode: str, limit: int | None, as_json: bool
) -> list[EvalRun]:
    """Evaluate search on a BEIR folder, print the report, record one run per mode."""
    from evals import scifact_retrieval as beir_eval

    argv = ["--split", split, "--data", str(dataset)] + (["--limit", str(limit)] if limit else [])
    args = beir_eval.parse_args(argv)
    results = await beir_eval.measure(settings, args)
    results["runs"] = [r for r in results["runs"] if mode == "all" or str(r.mode) == mode]
    print(beir_eval.report_json(results, args) if as_json else beir_eval.report_text(results, args))
    files = [
        dataset / "corpus.jsonl",
        dataset / "queries.jsonl",
        dataset / "qrels" / f"{split}.tsv",
    ]
    data_hash = content_hash(*(f.read_bytes() for f in files))
    records = []
    async with opened(settings, migrate=False, pool_size=1) as resources:
        async with resources.pool.connection() as conn:
            for result in results["runs"]:
                record = EvalRun(
                    id=uuid.uuid4(),
                    kind="retrieval",
                    suite=f"retrieval-{result.mode}",
                    dataset=f"{dataset.resolve().name}/{split}",
                    dataset_hash=data_hash,
                    git_commit=git_commit(),
                    model_id="all-MiniLM-L6-v2",
                    prompts={},
                    settings={"params": beir_eval.describe(result.params), "limit": limit},
                    metrics=result.scores.__dict__,
                    item_count=len(result.per_query_ndcg),
                    seconds=None,
                )
                items = [EvalItem(q, {"ndcg_at_10": v}) for q, v in result.per_query_ndcg.items()]
                await save_run(conn, record, items)
                records.append(record)
                print(f"recorded run {record.id} ({record.suite})", file=sys.stderr)
    return records


async def show_runs(settings: Settings, suite: str | None, as_json: bool) -> int:
    """Print recorded runs, newest first."""
    async with opened(settings, pool_size=1) as resources, resources.pool.connection() as conn:
        runs = await list_runs(conn, suite)
    if as_json:
        print(json.dumps([r.__dict__ for r in runs], indent=2, default=str))
        return 0
    for r in runs:
        when = r.created_at.strftime("%Y-%m-%d %H:%M") if r.created_at else ""
        print(
            f"{str(r.id)[:8]}  {when}  {r.suite:<12} {r.model_id or '-':<28} "
            f"{r.item_count:>5} items  {r.git_commit}  {json.dumps(r.metrics)[:80]}"
        )
    return 0


async def compare_runs(settings: Settings, first: str, second: str) -> int:
    """Print A vs B with deltas and CIs; write the HTML report to the data dir."""
    async with (
        opened(settings, migrate=False, pool_size=1) as resources,
        resources.pool.connection() as conn,
    ):
        a, a_items = await get_run(conn, first)
        b, b_items = await get_run(conn, second)
    rows = compare(a_items, b_items)
    print(text_table(a, b, rows))
    path = write_html(a, b, rows, settings.data_path / "reports")
    print(f"\nreport: {path}")
    return 0


async def check_baseline(settings: Settings, baseline: Path) -> int:
    """Run every check of the baseline; exit status 1 when any bound is broken."""
    problems: list[str] = []
    for check in load_baseline(baseline):
        run = await _run_check(settings, check, baseline.parent)
        print(f"{run.suite}: {json.dumps(run.metrics)}  (run {str(run.id)[:8]})")
        problems += breaches(check, run.metrics)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print("eval gate: " + ("FAILED" if problems else "passed"))
    return 1 if problems else 0


async def _run_check(settings: Settings, check: Check, relative_to: Path) -> EvalRun:
    options = check.options
    if check.kind == "tutor":
        # A check may set settings of its own, e.g. a shorter answer where only declines count.
        tuned = settings.model_copy(update=options.get("settings", {}))
        return await run_tutor_suite(tuned, check.suite, check.limit, options.get("prompts", {}))
    if check.kind == "questions":
        return await run_question_review(
            settings, check.limit, options.get("model", False), options.get("prompt", "verify")
        )
    source = (relative_to / options["dataset"]).resolve()
    folder = write_subset(
        source,
        settings.data_path / "datasets",
        options.get("split", "test"),
        options["queries"],
        options["distractors"],
    )
    mode = check.suite.removeprefix("retrieval-")
    [run] = await run_retrieval(settings, folder, options.get("split", "test"), mode, None, False)
    return run
