"""The sharp context: the best sentences of the sources, within a token budget."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from retrieval.search import SearchHit
from tutor.chat.best_passage import best_passage
from tutor.chat.grounding import Source, estimate_tokens, prose_sentences
from tutor.chat.sharp_context import Sentence, pack, split_sources, window

CELLS = (
    "# Cells\nCells are the units of life in every organism. Mitochondria release energy "
    "from glucose by respiration. Ribosomes build proteins from amino acids. The nucleus "
    "holds the genome of the cell."
)
LEAVES = (
    "Leaves are the main organs of photosynthesis in plants. Chloroplasts capture light "
    "energy with chlorophyll. Stomata let carbon dioxide into the leaf."
)


def source(n: int, text: str, chunk_id: int | None = None) -> Source:
    hit = SearchHit(chunk_id or n, uuid.uuid4(), f"notes{n}.md", n, n, [], text, 0.5)
    return Source(n, hit, 0.5)


def scored(sources: list[Source], scores: dict[str, float]) -> list[Sentence]:
    """Sentences of `sources`, scored by the first key each contains (else 0)."""
    return [
        Sentence(src, i, text, next((v for k, v in scores.items() if k in text), 0.0))
        for src, i, text in split_sources(sources)
    ]


def test_the_best_sentences_go_in_each_source_in_reading_order() -> None:
    sources = [source(1, CELLS), source(2, LEAVES)]
    sentences = scored(sources, {"Chloroplasts": 0.9, "Mitochondria": 0.6, "nucleus": 0.5})
    packed = pack(sources, sentences, budget=90)
    assert [s.n for s in packed] == [1, 2]
    assert packed[0].hit.text == (
        "… Mitochondria release energy from glucose by respiration. … "
        "The nucleus holds the genome of the cell."
    )
    assert packed[1].hit.text == "… Chloroplasts capture light energy with chlorophyll. …"
    assert packed[0].hit.chunk_id == sources[0].hit.chunk_id  # citations still name chunks


def test_a_source_with_nothing_chosen_is_dropped_and_the_rest_renumbered() -> None:
    sources = [source(1, CELLS), source(2, LEAVES)]
    sentences = scored(sources, {"Chloroplasts": 0.9})
    packed = pack(sources, sentences, budget=30)  # room for the best sentence only
    assert [(s.n, s.hit.filename) for s in packed] == [(1, "notes2.md")]


def test_the_best_passage_joins_the_next_sentence_when_it_reads_on() -> None:
    sources = [source(1, LEAVES)]
    sentences = scored(sources, {"Chloroplasts": 0.8, "Stomata": 0.7, "Leaves": 0.1})
    shown = pack(sources, sentences, budget=200)
    best = best_passage(sentences, shown)
    assert best is not None and best["n"] == 1
    assert best["text"] == (
        "Chloroplasts capture light energy with chlorophyll. "
        "Stomata let carbon dioxide into the leaf."
    )
    alone = best_passage(scored(sources, {"Chloroplasts": 0.8, "Stomata": 0.3}), shown)
    assert alone is not None and alone["text"].endswith("chlorophyll.")


def test_window_marks_gaps_and_ends() -> None:
    src = source(1, LEAVES)
    assert window(src, {0, 2}) == (
        "Leaves are the main organs of photosynthesis in plants. … "
        "Stomata let carbon dioxide into the leaf."
    )
    assert window(src, {1}).startswith("… ") and window(src, {1}).endswith(" …")


words = st.text(alphabet="abcdefghij ", min_size=30, max_size=120).map(str.strip)


@given(
    texts=st.lists(st.lists(words, min_size=1, max_size=6), min_size=1, max_size=5),
    budget=st.integers(min_value=20, max_value=400),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_packing_respects_the_budget_and_keeps_the_best(texts, budget, seed) -> None:
    sources = [source(i + 1, ". ".join(t) + ".") for i, t in enumerate(texts)]
    found = split_sources(sources)
    sentences = [
        Sentence(src, i, text, ((seed * 31 + k * 17) % 97) / 97)
        for k, (src, i, text) in enumerate(found)
    ]
    packed = pack(sources, sentences, budget)
    if not sentences:
        return
    best = max(sentences, key=lambda s: s.score)
    assert any(best.text in s.hit.text for s in packed)  # the best always goes in
    if len(packed) > 1 or len(prose_sentences(packed[0].hit.text)) > 1:
        cost = sum(estimate_tokens(s.hit.text) for s in packed)
        assert cost <= budget + 16 * len(packed) + 8  # within budget, give or take markers
    assert [s.n for s in packed] == list(range(1, len(packed) + 1))
