"""Key concepts' pure rules: tf-idf against the owner's other documents, spellings, phrases."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.concepts import (
    TermCount,
    key_concepts,
    least_occurrences,
    surface_forms,
    term_weights,
    vocabulary,
    without_generic,
    words,
)


def concepts_of(texts, weights, stems, limit=10):
    return key_concepts(surface_forms(texts, stems), weights, limit)


def stems_of(texts, endings=("s", "es", "ing", "ed")):
    """A toy stemmer over the texts' words: enough for the rules under test."""
    stems = {}
    for word in vocabulary(texts):
        stem = word
        for ending in endings:
            if stem.endswith(ending) and len(stem) > len(ending) + 3:
                stem = stem[: -len(ending)]
                break
        stems[word] = stem
    return stems


def test_a_term_rare_elsewhere_outweighs_one_common_elsewhere():
    terms = [TermCount("rubisco", 10, 5, 0), TermCount("energi", 10, 5, 900)]
    weights = term_weights(terms, document_chunks=20, other_chunks=1000)
    assert weights["rubisco"] > 3 * weights["energi"]


def test_with_no_other_documents_the_count_decides():
    terms = [TermCount("chloroplast", 12, 4, 0), TermCount("leaf", 5, 3, 0)]
    assert term_weights(terms, document_chunks=5, other_chunks=0) == {
        "chloroplast": 12.0,
        "leaf": 5.0,
    }


def test_rare_short_and_numeric_lexemes_are_no_concepts():
    terms = [
        TermCount("aside", 1, 1, 0),  # once: an aside
        TermCount("ox", 9, 3, 0),  # too short
        TermCount("1999", 9, 3, 0),
        TermCount("v2", 9, 3, 0),
        TermCount("light-depend", 9, 3, 0),
    ]
    assert list(term_weights(terms, document_chunks=5, other_chunks=0)) == ["light-depend"]
    assert least_occurrences(5) == 2 and least_occurrences(5000) == 5


def test_concepts_are_spelled_as_the_document_writes_them():
    texts = [
        "Photosynthesis needs light. In photosynthesis, RuBisCO fixes carbon; photosynthesis "
        "makes sugar. RuBisCO is slow, so RuBisCO is plentiful.",
        "VICKSBURG VICKSBURG VICKSBURG. The siege of Vicksburg lasted; Vicksburg fell.",
    ]
    stems = {"photosynthesis": "photosynthesi", "rubisco": "rubisco", "vicksburg": "vicksburg"}
    weights = {"photosynthesi": 3.0, "rubisco": 2.0, "vicksburg": 1.0}
    concepts = concepts_of(texts, weights, stems)
    assert [c.term for c in concepts] == ["photosynthesis", "RuBisCO", "Vicksburg"]
    assert [c.weight for c in concepts] == [1.0, 0.667, 0.333]


def test_a_recurring_phrase_stands_in_for_its_words():
    texts = [
        "The landing gear folds. Check the landing gear twice; landing gear doors close. "
        "The gear is heavy. A wheel of the landing gear spins. The wheel turns."
    ] * 2
    stems = stems_of(texts)
    weights = {"land": 8.0, "gear": 10.0, "wheel": 4.0, "door": 2.0}
    terms = [c.term for c in concepts_of(texts, weights, stems)]
    assert terms[0] == "landing gear"
    assert "gear" not in terms and "landing" not in terms
    assert "wheel" in terms


def test_a_pair_that_meets_by_chance_is_no_phrase():
    texts = ["The strategy names goals. " * 20 + "The strategy identifies risks. " * 2]
    stems = {"strategy": "strategi", "identifies": "identifi", "goals": "goal", "risks": "risk"}
    weights = {"strategi": 22.0, "identifi": 2.0, "goal": 20.0, "risk": 2.0}
    terms = [c.term for c in concepts_of(texts, weights, stems)]
    assert "strategy identifies" not in terms
    assert terms[:2] == ["strategy", "goals"]


def test_phrases_stop_at_punctuation_and_line_breaks():
    texts = ["A cell, membrane.\nA cell\nmembrane. The cell; membrane."] * 3
    stems = {"cell": "cell", "membrane": "membran"}
    weights = {"cell": 9.0, "membran": 9.0}
    assert sorted(c.term for c in concepts_of(texts, weights, stems)) == ["cell", "membrane"]


def test_generic_words_are_no_concepts_in_any_form():
    texts = ["Starting the engine. Start it, then the engine includes a pump and engines start."]
    stems = {"starting": "start", "start": "start", "engine": "engin", "engines": "engin"}
    stems |= {"includes": "includ", "pump": "pump"}
    forms = surface_forms(texts, stems)
    weights = {"start": 9.0, "engin": 3.0, "includ": 5.0, "pump": 1.0}
    assert without_generic(weights, forms) == {"engin": 3.0, "pump": 1.0}


WORDS = ["engine", "engines", "Engine", "wing", "wings", "rudder", "flap", "flaps", "gear"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30), min_size=1, max_size=5),
    st.dictionaries(st.sampled_from(["engin", "wing", "rudder", "flap", "gear"]), st.floats(1, 50)),
    st.integers(1, 12),
)
def test_concepts_are_ranked_normalised_and_written_in_the_texts(paragraphs, weights, limit):
    texts = [" ".join(paragraph) + "." for paragraph in paragraphs]
    stems = stems_of(texts)
    concepts = concepts_of(texts, weights, stems, limit)
    assert len(concepts) <= limit
    assert [c.weight for c in concepts] == sorted((c.weight for c in concepts), reverse=True)
    assert not concepts or concepts[0].weight == 1.0
    assert len({c.term.lower() for c in concepts}) == len(concepts), "no term twice"
    for concept in concepts:
        assert re.search(rf"\b{re.escape(concept.term)}\b", " ".join(texts)), concept
        assert all(stems[w.lower()] in weights for w in words(concept.term))
