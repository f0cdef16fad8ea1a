"""Practice items built to be right: anchor sentences, key checks and distractor repair (pure)."""

from __future__ import annotations

import asyncio
import uuid
from uuid import UUID

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from retrieval.search import SearchHit
from tutor.chat.anchors import anchor_problem, choose_anchors, same_statement, unlabelled
from tutor.chat.distractors import (
    candidate_terms,
    conformed,
    notes_distractors,
    same_option,
    shape_of,
    weak_distractors,
)
from tutor.chat.grounding import Source
from tutor.chat.item_drafts import (
    Draft,
    InvalidPracticeOutput,
    arranged,
    key_problems,
    parse_draft,
    parse_replacements,
)
from tutor.chat.practice import supported
from tutor.chat.practice_writer import _weak
from tutor.chat.question_checks import option_defects
from tutor.chat.sharp_context import Sentence

DOC_A, DOC_B = uuid.uuid4(), uuid.uuid4()


def sentence(text: str, score: float, chunk_id: int = 1, document: UUID = DOC_A) -> Sentence:
    hit = SearchHit(chunk_id, document, "notes.md", 1, 1, ["Ordered factors"], text, 0.5)
    return Sentence(Source(chunk_id, hit, 0.5), 0, text, score)


# -- anchors ---------------------------------------------------------------------------------

GOOD = "A factor is a vector object used to classify the components of other vectors."


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "1.3 R and statistics Our introduction to the R environment did not mention it.",
            "heading",
        ),
        (
            "Chapter 1: Introduction and preliminaries 3 into the base R environment, we go.",
            "heading",
        ),
        ("edited by John Chambers and Trevor Hastie for the methods package of S.", "fragment"),
        ("A few of these functions are built into the base R environment but many", "cut_off"),
        ("Start the R program with the command and then type your own R 3.", "cut_off"),
        (
            "This function returns the arithmetic mean of all its numeric arguments.",
            "leans_on_context",
        ),
        (
            "In fact, they are vectors that can be indexed by two or more indices.",
            "leans_on_context",
        ),
        (
            "More details on packages are given later (see Chapter 13 on packages).",
            "points_elsewhere",
        ),
        (
            "The frequencies are listed in the table below for every single factor.",
            "points_elsewhere",
        ),
        ("> y <- c(x, 0, x) > z <- x[x > 0] > w <- rep(x, times = 5) is code.", "code_or_table"),
        ("--quiet --silent -q Do not print out the initial copyright messages.", "code_or_table"),
        ("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21.", "code_or_table"),
        ("Users in R should seek help.", "too_few_words"),
        (
            "Correlation of Parameter Estimates: Vm K 0.7651 11.7.2 Maximum likelihood Maximum"
            " likelihood is a method of nonlinear model fitting.",
            "heading",
        ),
        (
            "Residual standard error on the fit Vm 2.127e+02 6.947e+00 30.615 was reported.",
            "code_or_table",
        ),
        ("In 2019 the trial enrolled 1,200 patients across 14 hospitals in 3 countries.", None),
        (
            "40 | 0000003357788888002233555577778 42 | 03335555778800233333555577778 A"
            " stem-and-leaf plot is like a histogram.",
            "code_or_table",
        ),
        (
            "C.2 Editing actions The R program keeps a history of the command lines you type.",
            "heading",
        ),
        (GOOD, None),
        ("Plasmodium vivax is the most widely distributed human malaria parasite.", None),
        ("mRNA levels of the gene were higher in the treated group of patients.", None),
    ],
)
def test_anchor_rules(text, problem):
    assert anchor_problem(text) == problem


def test_a_heading_or_label_run_into_a_sentence_is_cut_off_it():
    glued = "17 4 Ordered and unordered factors A factor is a vector object."
    headings = ["4 Ordered and unordered factors", "The function tapply()"]
    assert unlabelled(glued, headings) == "A factor is a vector object."
    assert unlabelled("BACKGROUND Under the programme, patients were treated.", []) == (
        "Under the programme, patients were treated."
    )
    assert unlabelled(GOOD, headings) == GOOD


def test_anchors_are_distinct_spread_and_on_topic():
    near_duplicate = "A factor is a vector object used to classify components of other vectors."
    sentences = [
        sentence(GOOD, 0.70, chunk_id=1),
        sentence(near_duplicate, 0.69, chunk_id=2),  # the same sentence, from an overlapping chunk
        sentence("Levels of a factor are stored in alphabetical order unless specified.", 0.60, 1),
        sentence("The function tapply() applies a function to each group of a factor.", 0.50, 3),
        sentence(
            "Ordered factors keep their levels in the order the user specified.", 0.45, 4, DOC_B
        ),
        sentence(
            "1.2 Factors A heading glued to text can never be an anchor sentence here.", 0.90, 5
        ),
        sentence(
            "Users in difficulty should seek local expert help when stuck.", 0.30, 6
        ),  # off topic
    ]
    anchors = choose_anchors(sentences, 10)
    texts = [a.text for a in anchors]
    assert near_duplicate not in texts and texts[0] == GOOD
    assert not any(t.startswith(("1.2", "Factors A")) for t in texts)
    assert "Users in difficulty should seek local expert help when stuck." not in texts
    # The other document's best sentence comes second: documents first, then chunks.
    assert texts[1] == "Ordered factors keep their levels in the order the user specified."
    assert len(texts) == 4
    assert choose_anchors(sentences, 2) == anchors[:2]


words = st.lists(
    st.sampled_from("alpha beta gamma delta factor vector level list".split()), max_size=12
)


@given(st.lists(st.tuples(words, st.floats(0, 1)), max_size=8), st.integers(0, 6))
def test_anchors_never_repeat_a_statement(drafts, count):
    sentences = [sentence(" ".join(w).capitalize() + ".", score) for w, score in drafts if w]
    anchors = choose_anchors(sentences, count)
    assert len(anchors) <= count
    assert all(anchor_problem(a.text) is None for a in anchors)
    for i, a in enumerate(anchors):
        assert not any(same_statement(a.text, b.text) for b in anchors[i + 1 :])


# -- keys --------------------------------------------------------------------------------------


def test_the_key_must_be_stated_by_its_anchor():
    anchor = "Plasmodium vivax is the most widely distributed human malaria parasite."
    good = Draft("Which malaria parasite is the most widely distributed?", "Plasmodium vivax", ())
    assert key_problems(good, anchor) == []
    assert key_problems(Draft(good.question, "Plasmodium falciparum", ()), anchor) == [
        "unsupported_key"
    ]
    long_key = Draft(good.question, "the most widely distributed human malaria parasite", ())
    assert key_problems(long_key, anchor) == ["key_too_long"]
    given_away = Draft("Which parasite is Plasmodium vivax?", "Plasmodium vivax", ())
    assert key_problems(given_away, anchor) == ["key_in_question"]

    needs_it = Draft("Which parasite does the sentence name?", "Plasmodium vivax", ())
    assert key_problems(needs_it, anchor) == ["question_needs_source"]
    vague = Draft("Which parasite did the study examine?", "Plasmodium vivax", ())
    assert key_problems(vague, anchor) == ["question_needs_source"]


def test_a_question_asking_for_two_things_needs_a_key_naming_both():
    anchor = "The functions mode(object) and length(object) give the mode and length of it."
    one = Draft("Which two functions give an object's mode and length?", "mode(object)", ())
    assert key_problems(one, anchor) == ["key_incomplete"]
    both = Draft(one.question, "mode(object) and length(object)", ())
    assert key_problems(both, anchor) == []


def test_distractors_beside_the_point_are_replaced():
    text = "The functions mode(object) and length(object) give the mode and length of it."
    hit = SearchHit(7, DOC_A, "R-intro.pdf", 20, 20, ["Preface"], text, 1.0)
    anchor = Sentence(Source(1, hit, 1.0), 0, text, 1.0)
    weak = _weak("mode(object)", ["length(object)", "max(object)", "min(object)"], anchor)
    assert weak == [0]  # a second right answer, not a distractor
    assert _weak("mode(object)", ["max(object)", "mode(object)"], anchor) == [1]
    # Pieces of the source's label the model was shown.
    label = ["p. 7", "R-intro.pdf", "preface", "R-intro", "max(object)"]
    assert _weak("mode(object)", label, anchor) == [0, 1, 2, 3]


@given(
    st.lists(st.sampled_from("red blue green leaf cell light root".split()), min_size=1), st.data()
)
def test_a_run_of_the_anchors_words_is_always_supported(anchor_words, data):
    start = data.draw(st.integers(0, len(anchor_words) - 1))
    end = data.draw(st.integers(start + 1, len(anchor_words)))
    assert supported(" ".join(anchor_words[start:end]), " ".join(anchor_words) + ".")


def test_drafts_parse_from_the_models_json():
    text = '```json\n{"question": "Which pigment is green?", "answer": " Chlorophyll ", '
    text += '"distractors": ["Carotene", "Melanin", "Keratin"]}\n```'
    assert parse_draft(text) == Draft(
        "Which pigment is green?", "Chlorophyll", ("Carotene", "Melanin", "Keratin")
    )
    with pytest.raises(InvalidPracticeOutput):
        parse_draft('{"question": "Which pigment is green?", "answer": "x", "distractors": []}')
    with pytest.raises(InvalidPracticeOutput):
        parse_draft("Sure! The answer is chlorophyll.")
    assert parse_replacements('{"distractors": ["a", "b", "c"]}', 3) == ["a", "b", "c"]


@given(
    st.text(min_size=10), st.text(min_size=1), st.lists(st.text(min_size=1), min_size=3, max_size=3)
)
def test_options_are_the_key_and_distractors_in_a_fixed_order(question, key, distractors):
    options = arranged(question, key, distractors)
    assert sorted(options) == sorted([key, *distractors])
    assert arranged(question, key, distractors) == options


# -- distractors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "distractors", "weak"),
    [
        ("assign()", ["assign", "assign.", "assigns"], [0, 1, 2]),  # the key, restated
        ("levels", ["the levels attribute", "labels", "names"], [0]),  # contains the key
        ("ordered factors", ["factors", "vectors", "lists"], [0]),  # inside the key
        ("distinct entries in the factor", ["the distinct factor entries", "rows", "cols"], [0]),
        ("Granulomas", ["Cavities", "cavity", "Fibrosis"], [1]),  # two distractors alike
        ("Chlorophyll", ["Carotene", "All of the above", "Melanin and"], [1, 2]),  # defective
        ("Plasmodium vivax", ["Plasmodium falciparum", "Plasmodium ovale", "HIV"], []),
        ("1.8 microm2/ms", ["1.2 microm2/ms", "2.4 microm2/ms", "0.9 microm2/ms"], []),
    ],
)
def test_weak_distractors_are_found(key, distractors, weak):
    assert weak_distractors(key, distractors) == weak


option_text = st.lists(
    st.sampled_from("the a of factor factors vector level levels list mean() 12 x".split()),
    min_size=1,
    max_size=4,
).map(" ".join)


@given(option_text, st.lists(option_text, min_size=3, max_size=3))
def test_what_survives_the_weak_check_is_all_different_options(key, distractors):
    weak = weak_distractors(key, distractors)
    kept = [key, *(d for i, d in enumerate(distractors) if i not in weak)]
    for i, option in enumerate(kept):
        assert not any(same_option(option, other) for other in kept[i + 1 :])
    assert not any(option_defects(d) for d in kept[1:])


@given(option_text, option_text)
def test_options_alike_either_way(a, b):
    assert same_option(a, b) == same_option(b, a)


def test_a_bare_figure_takes_the_keys_unit():
    assert conformed("26%", "32") == "32%"
    assert conformed("1.8 microm2/ms", "2.0") == "2.0 microm2/ms"
    assert conformed("4", "12") == "12"
    assert conformed("26%", "a third") == "a third"
    assert conformed("Plasmodium vivax", "3") == "3"


def test_terms_from_the_notes_have_the_keys_shape():
    notes = [
        "Use seq() and rep() to build vectors; data.frame objects hold columns.",
        "The levels of factors are ordered, and 32 of 125 (26%) were seropositive.",
    ]
    assert shape_of("mean()") == "function"
    assert candidate_terms("mean()", notes) == ["seq()", "rep()"]
    assert shape_of("26%") == "number"
    assert candidate_terms("26%", notes) == ["32%", "125%", "26%"]
    assert shape_of("is.na") == "code"
    assert "data.frame" in candidate_terms("is.na", notes)
    # Content words as the key is one; code is no word.
    terms = candidate_terms("labels", notes)
    assert {"vectors", "objects", "columns", "levels", "factors", "ordered"} <= set(terms)
    assert not {"seq", "rep", "the", "of", "Use", "data.frame"} & set(terms)
    assert candidate_terms("distinct entries in the factor", notes) == []  # a clause: no term
    # A phrase draws phrases sharing its first or last word, not any run of content words.
    prose = ["Several functions make heavy use of a numeric vector or a viral load."]
    assert candidate_terms("sufficiently well defined", prose) == []
    assert candidate_terms("viral vector", prose) == ["numeric vector", "viral load"]
    # A capital word only because it opens a sentence is no term for a capitalised key.
    opening = ["See the notes. However, FALSE and NA are values, as is Inf."]
    assert candidate_terms("TRUE", opening) == ["FALSE", "NA", "Inf"]


class TableEmbedder:
    """A fake embedder with fixed meanings: `levels` and `tiers` mean the same."""

    dim = 3
    MEANINGS = {
        "levels": (1.0, 0.0, 0.0),
        "tiers": (1.0, 0.0, 0.0),
        "dims": (0.8, 0.6, 0.0),
        "names": (0.6, 0.8, 0.0),
        "rows": (0.3, 0.95, 0.0),
        "codes": (0.9, 0.1, 0.0),
    }

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> NDArray[np.float32]:
        self.calls += 1
        rows = np.array([self.MEANINGS.get(t, (0.0, 0.0, 1.0)) for t in texts], dtype=np.float32)
        unit: NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return unit


def test_distractors_from_the_notes_are_like_the_key_but_not_the_same():
    embedder = TableEmbedder()
    found = asyncio.run(
        notes_distractors(
            embedder,
            "levels",
            ["levels", "labels"],
            anchor="Factors keep their levels and codes in order.",
            sentences=[
                "Each factor has tiers, labels, names and codes.",
                "Arrays have dims and rows.",
            ],
            needed=2,
        )
    )
    # tiers means the same, labels is already an option, codes is in the anchor: it may be right.
    assert found == ["dims", "names"]
    figures = asyncio.run(
        notes_distractors(embedder, "26%", ["26%"], "26% were positive.", ["32 of 125 were."], 3)
    )
    assert figures == ["32%", "125%"] and embedder.calls == 1  # figures keep the notes' order
