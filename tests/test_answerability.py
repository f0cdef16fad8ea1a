"""The answerability probe: a yes/no from the model, thresholded, before it answers.

Pure rules (reading P(yes), the probe's messages, the per-model threshold, the calibration
arithmetic) are tested directly; the engine's use of the probe through the websocket with the
scripted model; that llama.cpp reports first-token probabilities with the real small model.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from evals.answerability_calibration import best_threshold, operating_point, roc_auc
from tests.conftest import ingest, register, scripted_tutor_app
from tests.scripted_chat import ScriptedChatModel
from tests.test_tutor_ws import NOTE, converse, only, text_of
from tutor.chat.answerability import (
    answerable_threshold,
    probe_messages,
    yes_probability,
)
from tutor.chat.engine import DECLINE, GENERAL_LABEL
from tutor.chat.prompt_set import PromptSet
from tutor.llm.catalogue import CATALOGUE
from tutor.llm.prompts import load_prompt
from tutor.resources import build_chat_model
from tutor.settings import Settings


def test_yes_probability_reads_yes_and_no_in_any_case_or_spacing() -> None:
    assert yes_probability({"Yes": 0.6, " yes": 0.1, "No": 0.2, "The": 0.1}) == pytest.approx(
        0.7 / 0.9
    )
    assert yes_probability({"NO": 0.5, "yes": 0.5}) == pytest.approx(0.5)
    assert yes_probability({"The": 0.9, "Answer": 0.1}) is None


@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_yes_probability_is_a_probability_that_grows_with_yes(
    yes: float, no: float, more: float
) -> None:
    p = yes_probability({"yes": yes, "no": no})
    if yes + no == 0:
        assert p is None
        return
    assert p is not None and 0.0 <= p <= 1.0
    higher = yes_probability({"yes": yes + more, "no": no})
    assert higher is not None and higher >= p - 1e-12


def test_the_probe_repeats_the_answer_prompt_so_its_cache_is_shared() -> None:
    answer = load_prompt("answer")
    messages = answer.render(sources="[1] (notes.md) RuBisCO fixes CO2.", question="Q?", history="")
    probe = probe_messages(load_prompt("answerable"), messages)
    assert probe[0] == messages[0]
    request = messages[1]["content"].removesuffix("Answer:").rstrip()
    assert probe[1]["content"].startswith(request)
    assert probe[1]["content"].rstrip().endswith("Reply yes or no.")


def test_the_threshold_is_the_configured_one_else_the_models_calibrated_one() -> None:
    default = CATALOGUE["qwen2.5-coder-1.5b-instruct"].answerable
    assert default is not None
    assert answerable_threshold(0.3, "qwen2.5-coder-1.5b-instruct", default.probe) == 0.3
    assert answerable_threshold(None, "qwen2.5-coder-1.5b-instruct", default.probe) > 0
    # Nobody calibrated these: their probabilities mean nothing yet, so the probe is off.
    assert answerable_threshold(None, "smollm2-135m-instruct", default.probe) == 0.0
    assert answerable_threshold(None, "gpt-something-external", default.probe) == 0.0
    # Nor does a threshold carry over to another wording of the probe.
    assert answerable_threshold(None, "qwen2.5-coder-1.5b-instruct", "answerable@v99") == 0.0


def test_the_tutor_probes_with_the_version_the_default_model_was_calibrated_on() -> None:
    # A newer probe file would silently void the calibration (seen once: every answer declined).
    default = CATALOGUE["qwen2.5-coder-1.5b-instruct"].answerable
    assert default is not None and PromptSet.load().answerable.ref == default.probe


def test_calibration_finds_the_separating_threshold() -> None:
    scores = [(0.9, True), (0.8, True), (0.7, True), (0.4, False), (0.2, False), (None, False)]
    best = best_threshold(scores)
    assert 0.4 < best.threshold <= 0.7
    assert best.declined_unanswerable == 1.0 and best.answered_answerable == 1.0
    assert roc_auc(scores) == 1.0


def test_an_item_without_sources_is_declined_at_any_threshold() -> None:
    point = operating_point([(None, True), (0.9, True)], threshold=0.0)
    assert point.answered_answerable == 0.5


scored = st.lists(
    st.tuples(st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)), st.booleans()),
    min_size=1,
    max_size=30,
)


@given(scored, st.floats(min_value=0.0, max_value=1.0))
def test_no_threshold_beats_the_chosen_one_on_the_worse_rate(
    scores: list[tuple[float | None, bool]], other: float
) -> None:
    assert best_threshold(scores).worse >= operating_point(scores, other).worse - 1e-12


@pytest.fixture(scope="module")
def probing_client(
    settings: Settings, embedder: Any, worker: Any, scripted_model: ScriptedChatModel
) -> Iterator[TestClient]:
    """The tutor with the probe on at 0.5 (the scripted model is not in the catalogue)."""
    del worker
    with scripted_tutor_app(
        settings, embedder, scripted_model, tutor_answerable_threshold=0.5
    ) as client:
        yield client


@pytest.fixture(scope="module")
def student(probing_client: TestClient) -> dict[str, str]:
    headers = register(probing_client)
    assert ingest(probing_client, headers, "photosynthesis.md", NOTE)["status"] == "ready"
    return headers


def ask(client: TestClient, headers: dict[str, str], mode: str, text: str) -> list[dict[str, Any]]:
    with client.websocket_connect("/api/v1/tutor", headers=headers) as ws:
        return converse(ws, mode=mode, text=text)


def test_a_no_from_the_model_declines_before_any_answer_is_written(
    probing_client: TestClient, student: dict[str, str], chat: ScriptedChatModel
) -> None:
    chat.answerable = 0.2
    chat.script("Scientists in the 19th century.")  # the one call: the labelled general answer
    events = ask(probing_client, student, "answer", "Who discovered chlorophyll?")
    done = only(events, "done")
    assert done["general_answer"] is True and done["grounded"] is False
    assert done["answerable"] == {"p_yes": pytest.approx(0.2), "threshold": 0.5}
    assert text_of(events) == f"{DECLINE}{GENERAL_LABEL}Scientists in the 19th century."
    assert len(chat.calls) == 1  # no grounded answer was generated
    assert only(events, "citations")["items"] == []
    assert [e["type"] for e in events].index("sources") < [e["type"] for e in events].index(
        "delta"
    )  # the nearest passages are still shown
    assert len(chat.probes) == 1 and "Who discovered chlorophyll?" in chat.probes[0][1]["content"]


def test_a_yes_from_the_model_lets_it_answer_with_citations(
    probing_client: TestClient, student: dict[str, str], chat: ScriptedChatModel
) -> None:
    chat.answerable = 0.9
    chat.script("Chlorophyll absorbs red and blue light [1].")
    events = ask(probing_client, student, "answer", "What light does chlorophyll absorb?")
    done = only(events, "done")
    assert done["grounded"] is True and not done.get("general_answer")
    assert done["answerable"]["p_yes"] == pytest.approx(0.9)
    assert done["timings"]["answerable_ms"] >= 0
    assert only(events, "citations")["items"][0]["filename"] == "photosynthesis.md"


def test_explaining_a_topic_is_not_probed(
    probing_client: TestClient, student: dict[str, str], chat: ScriptedChatModel
) -> None:
    chat.answerable = 0.0
    chat.script("Photosynthesis turns light into chemical energy [1].")
    events = ask(probing_client, student, "explain", "photosynthesis")
    assert chat.probes == [] and "answerable" not in only(events, "done")
    assert only(events, "done")["grounded"] is True


def test_llama_cpp_reports_first_token_probabilities(local_chat: Settings) -> None:
    model = build_chat_model(local_chat)
    messages = load_prompt("answer").render(
        sources="[1] (notes.md) Chlorophyll absorbs red and blue light.",
        question="What light does chlorophyll absorb?",
        history="",
    )
    first = asyncio.run(
        model.first_token_probabilities(probe_messages(load_prompt("answerable"), messages), top=10)
    )
    assert first and all(0.0 < p <= 1.0 for p in first.values())
    assert sum(first.values()) <= 1.0 + 1e-6
