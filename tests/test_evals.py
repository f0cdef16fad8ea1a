"""Eval records, comparison, gate and report; and a tiny real eval run on the real stack."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from evals.commands import run_tutor_suite
from evals.comparison import compare, paired_bootstrap
from evals.gate import Check, breaches, load_baseline
from evals.records import EvalItem, EvalRun, get_run, list_runs, save_run
from evals.report import text_table, write_html
from tests.conftest import FAST_CHAT_MODEL, shared_file
from tutor.database import migrate
from tutor.resources import open_pool


def test_paired_bootstrap_hand_computed():
    # Every difference equal: every resample has the same mean, so the CI is that point.
    assert paired_bootstrap([0.5, 0.5, 0.5]) == (0.5, 0.5)
    assert paired_bootstrap([]) == (0.0, 0.0)
    low, high = paired_bootstrap([0.0, 1.0] * 50)
    # The mean of 100 fair 0/1 draws: 95% of resampled means lie within about 0.5 ± 0.1.
    assert 0.38 < low < 0.45 and 0.55 < high < 0.62


def items(values: dict[str, list[float]]) -> list[EvalItem]:
    n = len(next(iter(values.values())))
    return [EvalItem(f"q{i}", {k: v[i] for k, v in values.items()}) for i in range(n)]


def test_compare_pairs_items_and_flags_significance():
    a = items({"f1": [0.0] * 40, "contains": [1.0, 0.0] * 20})
    b = items({"f1": [1.0] * 40, "contains": [0.0, 1.0] * 20})
    rows = {r.metric: r for r in compare(a, b)}
    assert rows["f1"].delta == 1.0 and rows["f1"].significant and rows["f1"].items == 40
    assert rows["contains"].delta == 0.0 and not rows["contains"].significant
    # Items only one run scored are left out; None means "does not apply".
    b_partial = [EvalItem("q0", {"f1": 1.0}), EvalItem("zz", {"f1": 1.0})]
    assert compare(a, b_partial)[0].items == 1


def test_gate_breaches(tmp_path: Path):
    path = tmp_path / "baseline.json"
    path.write_text(
        '{"checks": [{"suite": "hints", "limit": 3, "min": {"f1": 0.5},'
        ' "max": {"leak_rate": 0.1}}]}'
    )
    [check] = load_baseline(path)
    assert check == Check("tutor", "hints", 3, {"f1": 0.5}, {"leak_rate": 0.1}, {})
    assert breaches(check, {"f1": 0.6, "leak_rate": 0.0}) == []
    assert len(breaches(check, {"f1": 0.4, "leak_rate": 0.2})) == 2
    assert breaches(check, {"leak_rate": 0.0}) == ["hints: f1 = None is below the threshold 0.5"]


def run(suite: str, metrics: dict[str, float]) -> EvalRun:
    return EvalRun(
        uuid.uuid4(),
        "tutor",
        suite,
        suite,
        "hash",
        "abc",
        "m",
        {"answer": "answer@v1"},
        {},
        metrics,
        40,
        1.0,
    )


def test_records_round_trip_and_html_report(settings, tmp_path: Path):
    async def scenario() -> None:
        await migrate(settings.database_url)
        pool = await open_pool(settings)
        try:
            a, b = run("records-test", {"f1": 0.0}), run("records-test", {"f1": 1.0})
            async with pool.connection() as conn:
                await save_run(conn, a, items({"f1": [0.0] * 40}))
                await save_run(conn, b, items({"f1": [1.0] * 40}))
            async with pool.connection() as conn:
                listed = await list_runs(conn, "records-test")
                got_a, a_items = await get_run(conn, str(a.id)[:8])
                _, b_items = await get_run(conn, str(b.id))
        finally:
            await pool.close()
        assert [r.id for r in listed] == [b.id, a.id]
        assert got_a.metrics == {"f1": 0.0} and len(a_items) == 40
        rows = compare(a_items, b_items)
        assert "+1.0000*" in text_table(got_a, b, rows)
        html = write_html(got_a, b, rows, tmp_path).read_text()
        assert html.count("data:image/png;base64,") == 2 and "records-test" in html

    asyncio.run(scenario())


def test_tiny_eval_run_on_the_real_stack(local_chat):
    shared_file("gsm8k/test.jsonl")
    # The local model judges its own hints here: only the plumbing is under test.
    judged = local_chat.model_copy(
        update={"judge_base_url": local_chat.chat_base_url, "judge_model": local_chat.chat_model}
    )
    recorded = asyncio.run(run_tutor_suite(judged, "hints", 2, {}))
    assert recorded.model_id == FAST_CHAT_MODEL and recorded.item_count == 2
    assert set(recorded.metrics) >= {"leak_rate", "fallback_rate"}
    assert recorded.prompts["hint"] == "hint@v1" and recorded.git_commit
    assert recorded.prompts["judge_hint"] == "judge_hint@v1"
    assert recorded.settings["judge"] == FAST_CHAT_MODEL
    assert 1 <= recorded.metrics["judged_helpfulness"] <= 5

    async def stored() -> int:
        pool = await open_pool(local_chat)
        try:
            async with pool.connection() as conn:
                _, saved = await get_run(conn, str(recorded.id))
        finally:
            await pool.close()
        assert all(0.0 <= item.metrics["leaked"] <= 1 for item in saved)
        return len(saved)

    assert asyncio.run(stored()) == 2


def test_judged_metrics_are_apart_and_absent_without_a_judge():
    from evals.judge import parse_score
    from evals.tutor_quality import aggregate

    rows = [
        {"leaked": False, "level": 1, "fallback": False},
        {"leaked": True, "level": 2, "fallback": True},
    ]
    assert "judged_helpfulness" not in aggregate("hints", rows)
    judged = [row | {"judged_helpfulness": score} for row, score in zip(rows, (4, 1), strict=True)]
    assert aggregate("hints", judged)["judged_helpfulness"] == 2.5
    assert parse_score('{"helpfulness": 4, "reason": "clear"}') == 4
    assert parse_score('{"helpfulness": 9}') is None and parse_score("great hint") is None


@pytest.mark.parametrize("suite", ["grounded-qa", "no-answer", "hints", "practice"])
def test_suites_load_from_shared_data(suite):
    from evals.tutor_datasets import SUITES

    shared_file("xquad-en/xquad.en.json")
    loaded = SUITES[suite](3)
    assert loaded.items and all(item.text for item in loaded.items)
    assert SUITES[suite](3).items == loaded.items  # a fixed sample, the same every time


def test_runs_over_http_for_evaluators_only(client, settings):
    recorded = run("http-test", {"f1": 0.5})

    async def store() -> None:
        pool = await open_pool(settings)
        try:
            async with pool.connection() as conn:
                await save_run(conn, recorded, items({"f1": [0.5, 0.5]}))
        finally:
            await pool.close()

    asyncio.run(store())
    from tests.conftest import register

    student, teacher = register(client), register(client, role="teacher")
    assert client.get("/api/v1/evals/runs", headers=student).status_code == 403
    page = client.get("/api/v1/evals/runs?suite=http-test", headers=teacher).json()
    assert [r["id"] for r in page["items"]] == [str(recorded.id)]
    detail = client.get(f"/api/v1/evals/runs/{recorded.id}", headers=teacher).json()
    assert detail["metrics"] == {"f1": 0.5} and len(detail["items"]) == 2
    missing = client.get(f"/api/v1/evals/runs/{uuid.uuid4()}", headers=teacher)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "eval_run_not_found"


def test_published_references_only_for_scifact(tmp_path: Path):
    from evals.scifact_retrieval import published

    scifact = shared_file("scifact/corpus.jsonl").parent
    systems = [ref["system"] for ref in published(scifact)]
    assert systems[0] == "BM25 (BEIR paper)" and len(systems) >= 2
    assert published(tmp_path / "nfcorpus") == []  # another BEIR folder: none known


def test_the_squad_halves_are_disjoint_and_each_holds_half_of_each_kind():
    from evals.tutor_datasets import no_answer, squad2_halves

    shared_file("squad2-dev-sample500/queries.json")
    _, halves = squad2_halves()
    calibration, held_out = halves["calibration"], halves["held-out"]
    assert not {i.id for i in calibration} & {i.id for i in held_out}
    for answerable in (True, False):
        kinds = [sum(i.answerable == answerable for i in half) for half in halves.values()]
        assert abs(kinds[0] - kinds[1]) <= 1 and min(kinds) >= 100
    # The reported suite never sees an item the threshold was calibrated on.
    assert {i.id for i in no_answer(200).items} <= {i.id for i in held_out}


def test_every_baseline_file_names_known_suites():
    from evals.gate import load_baseline
    from evals.tutor_datasets import SUITES
    from tutor.settings import Settings

    for baseline in (Path(__file__).resolve().parents[1] / "evals" / "baselines").glob("*.json"):
        checks = load_baseline(baseline)
        assert checks, baseline
        for check in checks:
            if check.kind == "tutor":
                assert check.suite in SUITES, (baseline, check.suite)
                assert set(check.options) <= {"prompts", "settings"}, baseline
                assert set(check.options.get("settings", {})) <= set(Settings.model_fields)
