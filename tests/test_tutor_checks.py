"""Pure logic of the tutor: citation and sentinel filters, leak checks, practice checks."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.search import SearchHit
from tutor.chat.answerability import RelevanceGate
from tutor.chat.citations import CitationFilter, strip_markers
from tutor.chat.grounding import Source, attribute, estimate_tokens, quote, select_sources
from tutor.chat.hint_guard import final_answer, find_leak, normalise, numbers
from tutor.chat.practice import supported
from tutor.chat.stream_filters import SentinelFilter


def stream_through(filter_, pieces):
    return "".join(filter_.feed(p) for p in pieces) + filter_.finish()


def test_citation_filter_keeps_valid_and_counts_phantoms():
    f = CitationFilter(valid=frozenset({1, 2}))
    out = stream_through(f, ["A [", "1] b [7", "] c [2, 9] d [1]"])
    assert out == "A [1] b c [2] d [1]"  # a dropped marker takes its space with it
    assert f.cited == [1, 2] and f.phantoms == 2


def test_citation_filter_leaves_other_brackets_alone():
    f = CitationFilter(valid=frozenset({1}))
    assert (
        stream_through(f, ["x[i] = [a, b] and [", "unfinished"]) == "x[i] = [a, b] and [unfinished"
    )
    assert f.phantoms == 0 and f.cited == []


def test_sentinel_filter_hides_split_sentinel_and_declines():
    f = SentinelFilter()
    assert stream_through(f, [" NOT_", "IN_NO", "TES"]) == " "
    assert f.found and f.declined


def test_sentinel_filter_passes_lookalike_text():
    f = SentinelFilter()
    assert stream_through(f, ["NOT_IN", " my notes"]) == "NOT_IN my notes"
    assert not f.found


@pytest.mark.parametrize(
    ("hint", "answer", "problem", "reason"),
    [
        ("So the total is 1,000 dollars.", "$1000", "Spend 400 and 600.", "words"),
        ("You should get 18.0 in the end.", "18", "16 eggs, 3 eaten.", "words"),
        ("Try 9 * 2 and see what you get: 18", "18", "She sells 9 eggs at $2.", "words"),
        ("The enzyme is rubisco.", "RuBisCO", "Which enzyme fixes CO2?", "words"),
    ],
)
def test_leaks_are_found(hint, answer, problem, reason):
    leak = find_leak(hint, answer, problem)
    assert leak is not None and leak.reason == reason


@pytest.mark.parametrize(
    ("hint", "answer", "problem"),
    [
        ("How many eggs are left after breakfast?", "18", "16 eggs, 3 eaten, $2 each."),
        ("Start from the 16 eggs she has.", "16", "Janet has 16 eggs. How many does she have?"),
        ("Think about 180 minus the other angles.", "18", "A triangle problem."),
    ],
)
def test_fair_hints_pass(hint, answer, problem):
    assert find_leak(hint, answer, problem) is None


def test_meaning_leak_uses_similarity_for_wordy_answers():
    answer = "the mitochondria produce energy for the cell"
    leak = find_leak("Cells get power from their mitochondria.", answer, "q", lambda _a, _b: 0.9)
    assert leak is not None and leak.reason == "meaning"
    assert find_leak("What organelle could it be?", answer, "q", lambda _a, _b: 0.3) is None


def test_final_answer_and_numbers():
    assert final_answer("9 * 2 = 18\nFinal answer: **$18**.") == "$18"
    assert final_answer("no marker\n42") == "42"
    assert numbers("It costs $1,250.50 or 3 units") == {"1250.5", "3"}
    assert normalise("The Answer: 18.0!") == "the answer 18"


def hit(text: str, chunk_id: int = 1) -> SearchHit:
    return SearchHit(chunk_id, uuid.uuid4(), "notes.md", 2, 3, ["Cells"], text, 0.5)


def test_select_sources_respects_similarity_and_budget():
    hits = [hit("a" * 320, 1), hit("b" * 32, 2), hit("c" * 3200, 3), hit("d" * 32, 4)]
    sims = {1: 0.9, 2: 0.1, 3: 0.8, 4: 0.7}
    sources = select_sources(hits, sims, budget=200, gate=RelevanceGate(min_similarity=0.25))
    assert [s.hit.chunk_id for s in sources] == [1, 4]
    assert [s.n for s in sources] == [1, 2]
    assert estimate_tokens("x" * 320) >= 320 / 4
    # Chunk 2 is far in meaning but holds the question's rare terms: admitted.
    rescued = select_sources(
        hits, sims, budget=200, gate=RelevanceGate(min_similarity=0.25), lexical={2: 0.9}
    )
    assert [s.hit.chunk_id for s in rescued] == [1, 2, 4]


def test_rare_terms_stand_in_for_similarity_only_above_a_floor():
    gate = RelevanceGate(min_similarity=0.25, min_lexical_share=0.6, lexical_floor=0.1)
    assert gate.admits(0.3, 0.0)
    assert gate.admits(0.15, 0.7)
    assert not gate.admits(0.15, 0.5)  # too few of the question's rare terms
    assert not gate.admits(0.05, 1.0)  # every term, but unrelated in meaning


@given(
    similarity=st.floats(-1, 1),
    share=st.floats(0, 1),
    more_similar=st.floats(0, 1),
    more_shared=st.floats(0, 1),
)
def test_more_evidence_never_turns_a_source_away(similarity, share, more_similar, more_shared):
    gate = RelevanceGate()
    if gate.admits(similarity, share):
        assert gate.admits(min(1.0, similarity + more_similar), min(1.0, share + more_shared))


def test_quote_picks_the_sentence_nearest_the_answer():
    text = "Cells divide. Chlorophyll absorbs red light. Roots take up water."
    assert quote(text, "chlorophyll absorbs light") == "Chlorophyll absorbs red light."
    assert quote(text) == "Cells divide."
    # The key's sentence wins over one sharing more of the question's words.
    assert quote(text, "which cells absorbs red light", first="divide") == "Cells divide."
    assert quote("# Title\n## Part\nFirst line\ncontinues here. Next.") == (
        "First line continues here."
    )


def test_support_needs_the_keys_content_words():
    assert supported("the Calvin cycle", "In the Calvin cycle, carbon is fixed.")
    assert supported("1,000 years", "It took 1000 years.")
    assert not supported("Melvin Calvin in 1950", "The Calvin cycle fixes carbon.")
    assert not supported("cat", "Each category holds one name.")  # whole words only


def test_strip_markers():
    assert strip_markers("Plants [1] grow [2, 3].") == "Plants grow."


def test_uncited_answer_is_attributed_to_the_source_that_states_it():
    chlorophyll = Source(1, hit("Chloroplasts hold chlorophyll, a green pigment.", 1), 0.9)
    calvin = Source(2, hit("The Calvin cycle fixes carbon dioxide into glucose.", 2), 0.9)
    found = attribute("The Calvin cycle turns carbon dioxide into glucose.", [chlorophyll, calvin])
    assert [s.n for s in found] == [2]
    assert attribute("Something else entirely happens here.", [chlorophyll, calvin]) == []
