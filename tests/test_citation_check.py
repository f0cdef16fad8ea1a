"""Each `[n]` is checked against the sentence it closes before the student sees it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.test_sharp_context import source
from tutor.chat.citation_check import CitationCheck, closing_sentence
from tutor.chat.citations import CitationFilter

SOURCES = [
    source(1, "Oracle was founded in 1977 by Larry Ellison, Bob Miner and Ed Oates."),
    source(2, "Stanford University sits beside Palo Alto in the Santa Clara valley."),
    source(3, "Ellison studied at the University of Illinois and at Chicago before Oracle."),
]


def run(text: str, pieces: list[int] | None = None) -> tuple[str, CitationFilter, CitationCheck]:
    """Stream `text` through a checked filter, cut at the given offsets."""
    check = CitationCheck(SOURCES)
    filt = CitationFilter(valid=frozenset({1, 2, 3}), resolve=check.resolve)
    cuts = [0, *sorted(pieces or []), len(text)]
    out = "".join(filt.feed(text[a:b]) for a, b in zip(cuts, cuts[1:], strict=False))
    return out + filt.finish(), filt, check


def test_a_marker_on_the_source_that_says_it_is_kept() -> None:
    out, filt, check = run("Oracle was founded by Larry Ellison in 1977 [1].")
    assert out == "Oracle was founded by Larry Ellison in 1977 [1]."
    assert filt.cited == [1] and check.moved == check.dropped == 0


def test_a_marker_on_a_source_that_does_not_say_it_moves_to_the_one_that_does() -> None:
    out, filt, check = run("Larry Ellison founded Oracle in 1977 [2].")
    assert out == "Larry Ellison founded Oracle in 1977 [1]."
    assert filt.cited == [1] and check.moved == 1


def test_a_marker_after_the_full_stop_is_checked_against_that_sentence() -> None:
    out, _, _ = run("Ellison studied at Illinois and Chicago. [1]")
    assert out == "Ellison studied at Illinois and Chicago. [3]"


def test_a_marker_no_source_backs_is_dropped() -> None:
    out, filt, check = run("Quantum chromodynamics explains gluon confinement [2].")
    assert out == "Quantum chromodynamics explains gluon confinement."
    assert filt.cited == [] and check.dropped == 1


def test_two_markers_moved_to_the_same_source_show_once() -> None:
    out, filt, _ = run("Oracle was founded in 1977 by Larry Ellison [2][1].")
    assert out == "Oracle was founded in 1977 by Larry Ellison [1]."
    assert filt.cited == [1]


def test_each_sentence_is_checked_on_its_own() -> None:
    text = "Oracle was founded in 1977 [1]. Ellison studied at Illinois [1]."
    out, filt, _ = run(text)
    assert out == "Oracle was founded in 1977 [1]. Ellison studied at Illinois [3]."
    assert filt.cited == [1, 3]


@given(st.lists(st.integers(min_value=0, max_value=60), max_size=8))
def test_how_the_stream_is_cut_changes_nothing(cuts: list[int]) -> None:
    text = "Larry Ellison founded Oracle in 1977 [2]. He studied at Illinois. [1]"
    assert run(text, cuts)[0] == run(text)[0]


def test_the_closing_sentence_skips_markers_and_empty_tails() -> None:
    assert closing_sentence("First one. Second one [2]. ") == "Second one"
    assert closing_sentence("") == ""
