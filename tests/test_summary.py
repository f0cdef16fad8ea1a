"""The extractive summary's pure rules: sentences, what counts as prose, centrality, choice."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.summary import (
    Passage,
    blocks,
    centrality,
    diverse_order,
    is_informative,
    sentence_count,
    sentences,
    summarize,
)

PROSE = "The spring exerts a constant locking force on the bolt in the same direction."


def no_terms(_: str) -> float:
    return 0.0


def test_wrapped_lines_join_and_sentences_split_after_their_stop():
    text = (
        "Photosynthesis turns light into chemical energy in the chloro-\n"
        "plasts of a leaf. The light-dependent reactions run first, and the Calvin cycle\n"
        "follows. Dr. Smith and John M. Chambers wrote about it, e.g. in chapter 3."
    )
    assert sentences(text) == [
        "Photosynthesis turns light into chemical energy in the chloro-plasts of a leaf.",
        "The light-dependent reactions run first, and the Calvin cycle follows.",
        "Dr. Smith and John M. Chambers wrote about it, e.g. in chapter 3.",
    ]


def test_headings_and_list_items_start_their_own_blocks():
    text = "Self-Locking Nuts\nSelf-locking nuts hold without a pin.\n• Fiber nuts\n• Metal nuts"
    assert blocks(text) == [
        "Self-Locking Nuts",
        "Self-locking nuts hold without a pin.",
        "• Fiber nuts",
        "• Metal nuts",
    ]


def test_prose_is_informative():
    assert is_informative(PROSE)
    assert is_informative("“Vectors,” the manual says, “are the simplest objects in R.”")


def test_furniture_code_and_fragments_are_not():
    refused = [
        "Self-locking nuts and bolts",  # a heading: short, no stop
        "Nuts hold.",  # too short
        "the spring exerts a constant locking force on the bolt in the same direction.",
        "Figure 7-26. Self-locking nuts of the all-metal and the fiber types.",
        "This Tightened nut Untightened nut Nut case Keyway Boots aircraft nut Figure 7-26.",
        "Five Pillars of the National Cybersecurity Strategy Page One Launching the plan.",
        "THE SIEGE OF VICKSBURG was long and the soldiers wrote letters home every day.",
        "See the manual at https://example.org for the full list of nuts and bolts.",
        "Contents 1.4 R and the window system . . . . . . . . . . . . 3 and more here.",
        "Food | Calories per portion | Leaves | Ash, Elm, Maple | Berries and more.",
        "Call par(col=4, lty=2) to set the colour and the line type of the plot.",
        "Sei H : I × I → X eine Homotopie zwischen γ1 und γ2 in dem Raum.",
        "This is a word document and this is an inline equation that was dropped: .",
        " ".join(["word"] * 60) + ".",
    ]
    assert [s for s in refused if is_informative(s)] == []


def test_the_most_typical_chunk_is_the_most_central():
    rng = np.random.default_rng(0)
    topic = rng.normal(size=16)
    vectors = np.array([topic + rng.normal(scale=s, size=16) for s in (0.1, 2.0, 0.3, 3.0)])
    order = np.argsort(-centrality(vectors.astype(np.float32)))
    assert list(order[:2]) == [0, 2]


def test_diverse_order_skips_a_near_duplicate_of_what_it_took():
    a, b = np.eye(4, dtype=np.float32)[0], np.eye(4, dtype=np.float32)[1]
    vectors = np.array([a, a + 0.01 * b, 0.2 * a + 0.98 * b], dtype=np.float32)
    relevance = np.array([1.0, 0.99, 0.8])
    assert list(diverse_order(vectors, relevance)) == [0, 2, 1]


def test_boilerplate_in_many_chunks_is_never_chosen():
    footer = "This page is part of the Aviation Maintenance Technician Handbook series."
    passages = [
        Passage(i, f"{PROSE.replace('bolt', f'bolt {i}')} {footer}", i + 1, i + 1) for i in range(6)
    ]
    vectors = np.eye(6, dtype=np.float32) + 0.5
    chosen = summarize(passages, vectors, no_terms, limit=4)
    assert chosen and all(footer not in s.text for s in chosen)


def test_key_terms_pick_the_sentence_of_a_chunk():
    text = f"{PROSE} Nuts are also used in many other places around the garden shed."
    scored = summarize(
        [Passage(0, text, 4, 5)],
        np.ones((1, 4), dtype=np.float32),
        lambda s: float("locking" in s),
        limit=1,
    )
    assert [(s.text, s.page_start, s.page_end) for s in scored] == [(PROSE, 4, 5)]


def test_sentence_count_grows_slowly_from_three_to_six():
    counts = [sentence_count(n) for n in (1, 2, 4, 10, 100, 10_000)]
    assert counts == sorted(counts)
    assert counts[0] == 3 and counts[-1] == 6


NOUNS = ["engine", "wing", "rudder", "flap", "gear", "spar", "rib", "aileron", "strut", "nut"]


@st.composite
def documents(draw):
    """Passages of numbered, distinct prose sentences, with random embeddings."""
    count = draw(st.integers(1, 12))
    passages, number = [], 0
    for ordinal in range(count):
        sentences_here = []
        for _ in range(draw(st.integers(0, 6))):
            noun = draw(st.sampled_from(NOUNS))
            sentences_here.append(
                f"Sentence number {number} says that the {noun} of the aircraft needs a check."
            )
            number += 1
        passages.append(Passage(ordinal, " ".join(sentences_here), ordinal + 1, ordinal + 2))
    seed = draw(st.integers(0, 2**32 - 1))
    vectors = np.random.default_rng(seed).normal(size=(count, 8)).astype(np.float32)
    return passages, vectors


@settings(max_examples=150, deadline=None)
@given(documents(), st.integers(1, 6), st.sampled_from(NOUNS))
def test_summary_is_in_reading_order_within_its_limit_and_from_its_pages(document, limit, noun):
    passages, vectors = document
    summary = summarize(passages, vectors, lambda s: float(noun in s), limit=limit)
    assert len(summary) <= limit
    numbers = [int(s.text.split()[2]) for s in summary]
    assert numbers == sorted(set(numbers)), "reading order, no repeats"
    for sentence in summary:
        source = next(p for p in passages if sentence.text in p.text)
        assert (sentence.page_start, sentence.page_end) == (source.page_start, source.page_end)
    available = sum(len(sentences(p.text)) for p in passages)
    assert len(summary) == min(limit, available), "every sentence here is usable prose"
