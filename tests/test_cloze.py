"""Cloze parsing and rendering: `{{c1::answer}}` and `{{c1::answer::hint}}`."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tutor.study import cloze

# Plain words never contain the markup's braces or colons.
words = st.text(alphabet=st.characters(blacklist_characters="{}:"), min_size=1, max_size=12)
deletion = st.tuples(st.integers(1, 9), words, st.none() | words)


def markup(parts: list[tuple[str, tuple[int, str, str | None]]]) -> str:
    out = []
    for before, (number, answer, hint) in parts:
        tail = f"::{hint}" if hint is not None else ""
        out.append(f"{before}{{{{c{number}::{answer}{tail}}}}}")
    return "".join(out)


def test_examples():
    text = "{{c1::Paris}} is the capital of {{c2::France::a country}}; {{c1::Paris}} again."
    assert cloze.deletions(text) == [1, 2]
    assert cloze.render_question(text, 1) == "[...] is the capital of France; [...] again."
    assert cloze.render_question(text, 2) == "Paris is the capital of [a country]; Paris again."
    assert cloze.render_answer(text) == "Paris is the capital of France; Paris again."
    assert cloze.answers(text, 1) == ["Paris", "Paris"]


def test_malformed_markup_is_kept_as_written():
    for text in ("{{c0::zero}}", "{{c1::}}", "{{c1::open", "{c1::single}", "{{d1::x}}"):
        assert cloze.deletions(text) == []
        assert cloze.render_answer(text) == text


@given(st.lists(st.tuples(words, deletion), min_size=1, max_size=6), words)
def test_numbers_answers_and_rendering(parts, tail):
    text = markup(parts) + tail
    numbers = sorted({number for _, (number, _, _) in parts})
    assert cloze.deletions(text) == numbers
    revealed = "".join(before + answer for before, (_, answer, _) in parts) + tail
    assert cloze.render_answer(text) == revealed
    for number in numbers:
        question = cloze.render_question(text, number)
        assert "{{" not in question
        expected = [a for _, (n, a, _) in parts if n == number]
        assert cloze.answers(text, number) == expected
        blanks = sum(1 for _, (n, _, _) in parts if n == number)
        hinted = [f"[{h}]" for _, (n, _, h) in parts if n == number and h]
        assert question.count("[...]") >= blanks - len(hinted)
        assert all(h in question for h in hinted)


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=60))
def test_text_without_markup_has_no_cards(text):
    assert cloze.deletions(text) == []
    assert cloze.render_question(text, 1) == text == cloze.render_answer(text)
