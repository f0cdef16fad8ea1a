"""The hint guard on multiple-choice problems pasted with their options (pure, no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.chat.hint_guard import Leak, answer_options, find_leak, option_leak, options

PIGMENTS = "Which pigment absorbs red and blue light?"
MC = f"{PIGMENTS}\nA) Carotene\nB) Chlorophyll\nC) Melanin\nD) Hemoglobin"


@pytest.mark.parametrize(
    ("problem", "labels", "texts"),
    [
        (MC, "abcd", ["Carotene", "Chlorophyll", "Melanin", "Hemoglobin"]),
        (f"{PIGMENTS} (a) Carotene (b) Chlorophyll (c) Melanin", "abc", None),
        (f"{PIGMENTS} A. Carotene B. Chlorophyll C. Melanin", "abc", None),
        (f"{PIGMENTS}\na. Carotene\nb. Chlorophyll\nc. Melanin", "abc", None),
        (f"{PIGMENTS}\nA: Carotene\nB: Chlorophyll\nC: Melanin", "abc", None),
        (f"{PIGMENTS}\n1) Carotene\n2) Chlorophyll\n3) Melanin", "123", None),
        (f"{PIGMENTS}\n(1) Carotene\n(2) Chlorophyll\n(3) Melanin", "123", None),
        (f"{PIGMENTS}\n- Carotene\n- Chlorophyll\n- Melanin", None, None),
        (f"{PIGMENTS}\n* Carotene\n* Chlorophyll\n* Melanin", None, None),
        (f"{PIGMENTS} Options: Carotene, Chlorophyll or Melanin.", None, None),
        (f"Choose from: Carotene; Chlorophyll; Melanin. {PIGMENTS}", None, None),
    ],
)
def test_pasted_formats_are_recognised(problem, labels, texts):
    found = options(problem)
    assert [o.text for o in found] == (texts or ["Carotene", "Chlorophyll", "Melanin"])
    assert [o.label for o in found] == (list(labels) if labels else [None] * len(found))
    assert [o.position for o in found] == list(range(1, len(found) + 1))


@pytest.mark.parametrize(
    "problem",
    [
        "Leaves have 12 chloroplast bundles of 3 each. How many chloroplasts in all?",
        "If f(x) = 3x + 1, what is f(2)? Round to 3.5 or so.",
        "What does C. elegans eat? Give one example.",
        "1. Which enzyme fixes carbon dioxide in the Calvin cycle?",
        "- just one bullet\nWhich enzyme fixes CO2?",
    ],
)
def test_problems_without_options_have_none(problem):
    assert options(problem) == []


def test_a_numbered_question_with_lettered_options_uses_the_letters():
    found = options("1. Which pigment is green?\nA) Carotene\nB) Chlorophyll")
    assert [(o.label, o.text) for o in found] == [("a", "Carotene"), ("b", "Chlorophyll")]


@pytest.mark.parametrize(
    "answer",
    [
        "B",
        "b",
        "(b)",
        "B) Chlorophyll",
        "B. Chlorophyll",
        "Option B",
        "the answer is B",
        "Chlorophyll",
        "chlorophyll.",
        "It is chlorophyll",
        "option 2",
    ],
)
def test_the_answer_picks_its_option(answer):
    assert answer_options(answer, options(MC)) == {2}


def test_answer_picks_by_containment_and_numbers():
    found = options("Which is green?\n(a) chlorophyll a\n(b) carotene")
    assert answer_options("chlorophyll", found) == {1}
    assert answer_options("glucose", found) == set()
    by_value = options("What is 2 + 4? (a) 4 (b) 6 (c) 8")
    assert answer_options("6", by_value) == {2}  # the value, not a sixth option
    numbered = options("What is 2 + 2?\n1) 3\n2) 4\n3) 5")
    assert answer_options("4", numbered) == {2}
    assert answer_options("2", numbered) == {2}  # the label 2
    # A model that labels the right text wrongly: both options it names are protected.
    assert answer_options("A) Chlorophyll", options(MC)) == {1, 2}


@pytest.mark.parametrize(
    "hint",
    [
        "Think about chlorophyll and what colour it is.",  # text, although the problem has it
        "Look at option B.",
        "Option B's wording is a clue.",
        "Look at (b) again.",
        "b) is worth a second look.",
        "B is the pigment in chloroplasts.",
        "The answer is B.",
        "Consider answer b and the source.",
        "Choice 2 fits what [1] says.",
        "The second option is worth a look.",
        "It's either B or D.",
        "Compare options A and B with what [1] says.",
        "Compare options A, B, C and D: chlorophyll is the one in leaves.",
    ],
)
def test_naming_the_right_option_leaks(hint):
    assert find_leak(hint, "B) Chlorophyll", MC) == find_leak(hint, "Chlorophyll", MC)
    leak = find_leak(hint, "B) Chlorophyll", MC)
    assert leak is not None and leak.reason == "option"


@pytest.mark.parametrize(
    "hint",
    [
        "Compare options A and C with what source [1] says.",
        "Is melanin found in leaves? What about carotene?",
        "Options A, B, C and D all absorb light; which absorbs red and blue?",
        "Carotene, chlorophyll, melanin and hemoglobin: which sits in chloroplasts?",
        "A good first step is to re-read [1].",
        "Answer a simpler question first: what colour are leaves?",
        "Which pigment does [1] say absorbs red and blue light?",
        "Rule out the first option, then the third.",
    ],
)
def test_hints_that_do_not_single_out_the_answer_pass(hint):
    assert find_leak(hint, "B) Chlorophyll", MC) is None


def test_the_article_a_is_not_option_a():
    answer = "A) Carotene"
    for fair in ["Start with a diagram.", "A good start: answer a question about colour."]:
        assert not option_leak(fair, answer, MC), fair
    for leak in ["Try option a.", "Look at (a).", "a) looks right.", "A is the one.", "answer A"]:
        assert option_leak(leak, answer, MC), leak


def test_numbers_as_options():
    problem = "A tray has 2 rows of 3 cells. How many cells? (a) 5 (b) 6 (c) 8"
    # The problem states 6, so only the option check can catch it.
    assert find_leak("You should land on 6.", "6", problem) == Leak("option")
    assert option_leak("Is it 6 or 8?", "6", problem)
    assert not option_leak("Multiply 2 by 3.", "6", problem)  # the givens, not an option
    assert not option_leak("Could it be 5, 6 or 8?", "6", problem)
    numbered = "How many sides has a hexagon?\n1) 5\n2) 6\n3) 8"
    assert option_leak("Look at option 2.", "6", numbered)
    assert not option_leak("Look at option 1 and option 3.", "6", numbered)


def test_a_letter_of_the_subject_is_not_a_label():
    problem = "Which vitamin helps clotting?\nA) Vitamin C\nB) Vitamin D\nC) Vitamin K"
    assert not option_leak("Vitamin C is about collagen, not clotting.", "C) Vitamin K", problem)
    assert option_leak("C is the one.", "C) Vitamin K", problem)


def test_a_list_of_givens_is_harmless():
    problem = "Given:\n- mass 2 kg\n- speed 3 m/s\nFind the kinetic energy in joules."
    assert find_leak("Use the mass of 2 kg and the speed 3 m/s.", "9 J", problem) is None


def test_a_longer_option_does_not_also_name_a_shorter_one():
    problem = "Which gas do plants take in?\nA) Carbon\nB) Carbon dioxide\nC) Oxygen"
    assert not option_leak("Is carbon dioxide what leaves release?", "A) Carbon", problem)
    assert option_leak("Is carbon dioxide what leaves release?", "B", problem)


# Generated multiple-choice problems: each format, each answer form, labels only.
# Words without vowels cannot be the hints' own words; numbers from 10 up are not labels.
WORDS = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=4, max_size=9)
TEXTS = st.one_of(WORDS, st.integers(10, 999).map(str), st.tuples(WORDS, WORDS).map(" ".join))
FORMATS = {
    "lines": "{A}) {text}\n",
    "inline": "({a}) {text} ",
    "dots": "{A}. {text}\n",
    "numbered": "{n}) {text}\n",
    "bullets": "- {text}\n",
}
LETTER_HINTS = ["Compare options {}.", "Look again at {}.", "Is it {}?"]


@st.composite
def mc_problems(draw: st.DrawFn) -> tuple[str, list[str], int, str, str]:
    """(problem, texts, answer index, answer as the model might state it, label style)."""
    texts = draw(st.lists(TEXTS, min_size=2, max_size=7, unique=True))
    style = draw(st.sampled_from(sorted(FORMATS)))
    body = "".join(
        FORMATS[style].format(A=chr(65 + n), a=chr(97 + n), n=n + 1, text=text)
        for n, text in enumerate(texts)
    )
    right = draw(st.integers(0, len(texts) - 1))
    label = str(right + 1) if style == "numbered" else chr(65 + right)
    stated = draw(st.sampled_from([texts[right], label, f"{label}) {texts[right]}"]))
    if style == "bullets" and stated != texts[right]:
        stated = f"option {right + 1}"  # bullets carry no label of their own
    return f"Which one is right?\n{body}", texts, right, stated, style


def named(style: str, indices: list[int], template: int) -> str:
    """A hint naming these options by label, in one of a few phrasings."""
    if style in ("numbered", "bullets"):
        return f"Compare options {' and '.join(str(i + 1) for i in indices)}."
    labels = [chr(65 + i) for i in indices]
    if template == 1:
        labels = [f"({label.lower()})" for label in labels]
    listed = f"{', '.join(labels[:-1])} or {labels[-1]}" if len(labels) > 1 else labels[0]
    return LETTER_HINTS[template].format(listed)


@settings(database=None, max_examples=150)
@given(mc_problems(), st.data(), st.integers(0, len(LETTER_HINTS) - 1))
def test_only_wrong_labels_never_leak_and_the_right_one_always_does(mc, data, template):
    problem, texts, right, stated, style = mc
    assert [o.text for o in options(problem)] == texts
    wrong = [i for i in range(len(texts)) if i != right]
    some_wrong = data.draw(st.lists(st.sampled_from(wrong), min_size=1, unique=True))
    assert not option_leak(named(style, sorted(some_wrong), template), stated, problem)
    # The right one among others, short of naming them all, always leaks.
    others = data.draw(st.lists(st.sampled_from(wrong), max_size=len(wrong) - 1, unique=True))
    hint = named(style, sorted([right, *others]), template)
    assert option_leak(hint, stated, problem)
    assert not option_leak(named(style, list(range(len(texts))), template), stated, problem)
