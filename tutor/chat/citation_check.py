"""Is the source a sentence cites the one that says it? Checked as each marker streams.

A small model cites by habit more than by reading: on XQuAD the default model wrote "[2]"
after right answers that came from source 1 (its prompt's worked example cites [2]), so a
student following the citation found a passage that does not say it. When a marker arrives
the sentence it closes is complete, so the check can run before the marker is shown: the
sentence's content words are looked up in every source the model was given, and the marker
is kept when its source states enough of them, moved to the source that states clearly more,
or dropped when no source states the sentence at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.chat.citations import strip_markers
from tutor.chat.grounding import WORD, Source

SENTENCE_END = re.compile(r"[.!?]\s+|\n")
STOPWORDS = frozenset(
    "a an the of in on at to for by with and or but is are was were be been being it its this "
    "that these those as from which who whom what when where how why not no than then there "
    "their they them he she his her has have had do does did can could would should will may "
    "also into about such some any all each other more most very so".split()
)
# Below this share of the sentence's content words no source backs it: the marker goes.
MIN_SUPPORT = 0.34
# ...and one must state this much more than the cited source to take its marker.
MARGIN = 0.15
# Words are compared on their first letters, so "layers"/"layer" and "volcanoes"/"volcano"
# match (truncation stemming: crude, but it needs no language model and errs towards keeping).
STEM_CHARS = 6


def content_words(text: str) -> set[str]:
    """Lower-case word stems that carry meaning: no stopwords, no markers."""
    words = WORD.findall(strip_markers(text.lower()))
    return {w[:STEM_CHARS] for w in words if w not in STOPWORDS}


def closing_sentence(text: str) -> str:
    """The sentence a marker at the end of `text` belongs to.

    Models put markers both before and after the full stop ("... prey [2]." and
    "... indicator. [2]"), so the last sentence with words in it is taken.
    """
    pieces = SENTENCE_END.split(strip_markers(text))
    for piece in reversed(pieces):
        if content_words(piece):
            return piece.strip()
    return ""


@dataclass
class CitationCheck:
    """Decides, per marker, which of the given sources (if any) states the cited sentence."""

    sources: list[Source]
    moved: int = 0
    dropped: int = 0
    _words: dict[int, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._words = {s.n: content_words(s.hit.text) for s in self.sources}

    def support(self, sentence: set[str], n: int) -> float:
        """The share of the sentence's content words that source n states."""
        return len(sentence & self._words.get(n, set())) / len(sentence) if sentence else 0.0

    def resolve(self, preceding: str, n: int) -> int | None:
        """The source number to show for marker `n` after `preceding` text; None: drop it."""
        sentence = content_words(closing_sentence(preceding))
        if not sentence:
            return n  # nothing to check against (a marker on its own): trust the model
        shares = {s.n: self.support(sentence, s.n) for s in self.sources}
        best = max(shares, key=lambda k: (shares[k], k == n))
        if shares.get(n, -1.0) >= MIN_SUPPORT and shares[n] + MARGIN > shares[best]:
            return n
        if shares[best] >= MIN_SUPPORT:
            self.moved += 1
            return best
        self.dropped += 1
        return None
