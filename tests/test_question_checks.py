"""The question checker, the blind verifier's parsing, and the MMLU-Redux review's scoring."""

from __future__ import annotations

import asyncio

import pytest

from evals.commands import run_question_review
from evals.question_review import aggregate, detector_scores, load_questions
from tests.conftest import FAST_CHAT_MODEL, shared_file
from tutor.chat.question_checks import option_text, question_flags
from tutor.chat.question_verifier import lettered, parse_pick

GOOD = (
    "Which pigment absorbs light in photosynthesis?",
    ["Chlorophyll", "Melanin", "Keratin", "Haemoglobin"],
    "Chlorophyll",
)


def flags_of(question: str = GOOD[0], options: list[str] | None = None, key: str = GOOD[2]):
    return question_flags(question, options if options is not None else GOOD[1], key)


def test_a_sound_question_has_no_flags():
    assert flags_of() == []
    # Symbols matter in options: these four are all different.
    assert (
        flags_of(
            "Factor it",
            ["(x - 1)(x + 2)", "(x + 1)(x + 2)", "(x − 1)(x − 2)", "(x + 1)(x - 2)"],
            "(x + 1)(x + 2)",
        )
        == []
    )


@pytest.mark.parametrize(
    ("options", "key", "flag"),
    [
        (["Chlorophyll", "Melanin", "Keratin"], "Chlorophyll", "not_four_options"),
        (["Chlorophyll", "melanin.", "Melanin", "Keratin"], "Chlorophyll", "duplicate_options"),
        (["Chlorophyll", "Melanin", " ", "Keratin"], "Chlorophyll", "empty_option"),
        (["Chlorophyll", "Melanin", "Keratin", "Haemoglobin"], "Starch", "key_not_one_option"),
        (["Chlorophyll and", "Melanin", "Keratin", "Haemoglobin"], "Melanin", "truncated_option"),
        (["Chlorophyll", "Melanin", "Keratin", "All of the above"], "Melanin", "catch_all_option"),
        (["Chlorophyll", "Melanin", "Keratin", "None of these"], "Melanin", "catch_all_option"),
        (["Chlorophyll", "Melanin", "Keratin", "Both A and B"], "Melanin", "catch_all_option"),
    ],
)
def test_each_defect_is_flagged(options, key, flag):
    assert flag in flags_of(options=options, key=key)


def test_question_level_flags():
    assert "refers_to_picture" in flags_of("Which curve in the graph shows the light reactions?")
    stem = "An eager student studying osmosis placed a dialysis bag in a beaker of water"
    copied = [stem + " and it swelled.", "Water left.", "Nothing.", "Salt moved."]
    assert "option_copies_question" in flags_of(stem + ". What happened?", copied, "Water left.")
    # "Which of the following" is no reference to a picture, nor a catch-all.
    assert flags_of("Which of the following pigments absorbs light?") == []


def test_all_flags_are_reported_not_only_the_first():
    flags = flags_of(options=["Chlorophyll", "Chlorophyll", "of the"], key="Starch")
    assert {"not_four_options", "duplicate_options", "key_not_one_option"} <= set(flags)


def test_option_text_normalisation():
    assert option_text("  Employee   Rights. ") == option_text("employee rights")
    assert option_text("0.15 joule") != option_text("0.015 joule")
    assert option_text("x − 1") == option_text("x - 1")


def test_verifier_reply_parsing():
    assert lettered(["a", "b"]) == "A. a\nB. b"
    assert parse_pick('{"answer": "C"}', 4) == 2
    assert parse_pick("B.", 4) == 1
    assert parse_pick('{"answer": "E"}', 4) is None  # names no option
    assert parse_pick("", 4) is None


def row(label: str, checks: int, model: int | None = None) -> dict:
    data = {"label": label, "defective": int(label != "ok"), "checks": checks, "style": 0}
    return data | ({"model": model, "model_agrees": 1 - model} if model is not None else {})


def test_detector_scores_hand_computed():
    rows = [
        row("ok", 0, 1),
        row("ok", 1, 0),
        row("ok", 0, 0),
        row("ok", 0, 0),
        row("wrong_groundtruth", 1, 1),
        row("wrong_groundtruth", 0, 1),
        row("bad_question_clarity", 0, 0),
    ]
    checks = detector_scores(rows, "checks")
    # flagged: 1 ok + 1 defective -> precision 1/2; 1 of 3 defective -> recall 1/3
    assert checks["checks_precision"] == 0.5
    assert checks["checks_recall"] == round(1 / 3, 4)
    assert checks["checks_f1"] == round(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3), 4)
    assert checks["checks_false_flag_rate"] == 0.25
    assert checks["checks_recall_wrong_groundtruth"] == 0.5
    assert checks["checks_recall_bad_question_clarity"] == 0.0
    metrics = aggregate(rows)
    assert metrics["model_precision"] == round(2 / 3, 4)  # 3 flagged, 2 defective
    assert metrics["model_recall_wrong_groundtruth"] == 1.0
    assert metrics["model_accuracy_on_ok"] == 0.75
    assert metrics["defective_share"] == round(3 / 7, 4)


def test_mmlu_redux_sample_is_fixed_and_balanced():
    shared_file("mmlu-redux/mmlu_redux.jsonl")
    sample = load_questions(40)
    assert len(sample) == 40 and sum(q.defective for q in sample) == 20
    assert [q.id for q in load_questions(40)] == [q.id for q in sample]
    assert all(len(q.options) == 4 and 0 <= q.key < 4 for q in sample)


def test_question_review_run_on_the_real_stack(local_chat):
    shared_file("mmlu-redux/mmlu_redux.jsonl")
    recorded = asyncio.run(run_question_review(local_chat, 4, True, "verify"))
    assert recorded.model_id == FAST_CHAT_MODEL and recorded.item_count == 4
    assert recorded.prompts == {"verify": "verify@v1"}
    assert recorded.metrics["defective_share"] == 0.5
    assert "model_false_flag_rate" in recorded.metrics
    assert 0.0 <= recorded.metrics["checks_false_flag_rate"] <= 1.0


def test_practice_rates_over_generated_items():
    from evals.tutor_quality import practice_rates

    rows = [
        {
            "requested": 5,
            "kept": 3,
            "dropped": {"unsupported_key": 2},
            "error": None,
            "items": 5,
            "multiple_choice": 4,
            "problems": {"unsupported_key": 2},
        },
        {
            "requested": 5,
            "kept": 2,
            "dropped": {"duplicate_options": 1},
            "error": None,
            "items": 4,
            "multiple_choice": 2,
            "problems": {"duplicate_options": 1, "key_not_one_option": 1},
        },
    ]
    rates = practice_rates(rows)
    assert rates["kept_fraction"] == 0.5
    assert rates["one_correct_option_rate"] == round(5 / 6, 4)
    assert rates["duplicate_options_rate"] == round(1 / 6, 4)
    assert rates["key_supported_rate"] == round(7 / 9, 4)
    assert rates["dropped"] == {"unsupported_key": 2, "duplicate_options": 1}
    assert rates["verifier_agreement_rate"] is None  # no verifier ran: no rate, not a zero


def test_practice_rates_after_repair_and_blind_verification():
    from evals.tutor_quality import practice_rates

    row = {
        "requested": 5,
        "kept": 4,
        "dropped": {"key_disputed": 1},
        "error": None,
        "items": 6,
        "multiple_choice": 6,
        "problems": {"duplicate_options": 3, "key_not_one_option": 2},
        "schema_attempts": 7,
        "schema_failures": 1,
        "checked": 5,
        "after_repair": {"key_disputed": 1},
        "distractors_weak": 4,
        "verifier_checked": 5,
        "verifier_agreed": 4,
        "first_item_ms": 12_000,
        "total_ms": 70_000,
    }
    rates = practice_rates([row])
    assert rates["schema_valid_rate"] == round(6 / 7, 4)
    assert rates["duplicate_options_rate"] == 0.5  # as the model drafted them
    assert rates["duplicate_options_rate_after_repair"] == 0.0
    assert rates["one_correct_option_rate_after_repair"] == 1.0
    assert rates["weak_distractor_rate"] == round(4 / 18, 4)
    assert rates["verifier_agreement_rate"] == 0.8
    assert rates["first_item_seconds"] == 12.0 and rates["set_seconds"] == 70.0
