"""Structure-aware, token-sized chunks that remember their pages and heading path."""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingestion.extraction import Section

# A page break is a line break, not a paragraph break: paragraphs often run across pages.
SECTION_JOINER = "\n"
HEADING_SEPARATOR = " › "
# Sections (pages) chunked together at most; bounds how long embedding waits for parsing.
MAX_RUN_SECTIONS = 8


@dataclass(frozen=True)
class Chunk:
    """A piece of a document sized for the embedding model."""

    ordinal: int
    text: str
    heading_path: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    token_count: int
    # The tokenizer's ids of embedding_text(), no special tokens: taken from chunking's own
    # tokenisation, so the encoder need not tokenise the text again. None: not known.
    embedding_ids: tuple[int, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def heading(self) -> str:
        """The heading path as one line."""
        return HEADING_SEPARATOR.join(self.heading_path)

    def embedding_text(self) -> str:
        """What gets embedded: the heading path gives a bare paragraph its context."""
        return f"{self.heading}\n{self.text}" if self.heading_path else self.text


class Chunker:
    """Splits sections into chunks of at most `chunk_tokens` tokens of the embedding model."""

    def __init__(self, tokenizer: Any, chunk_tokens: int, overlap_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = min(overlap_tokens, chunk_tokens // 2)

    def chunk(self, sections: Iterable[Section]) -> list[Chunk]:
        """Chunks for a whole document, numbered from 0 in reading order."""
        return list(self.stream(sections))

    def stream(self, sections: Iterable[Section]) -> Iterator[Chunk]:
        """Chunks as soon as each run of sections is complete, numbered in reading order."""
        ordinal = 0
        for path, members in _runs(sections):
            text, offsets = _join(members)
            tokens = RunTokens(self.tokenizer, text)
            heading = token_ids(self.tokenizer, HEADING_SEPARATOR.join(path)) if path else []
            start = -1
            for piece in self._splitter(tokens.count).split_text(text):
                # Chunks come in reading order and overlap, so each starts after the last one's
                # start. (LangChain's own start_index steps back by the overlap in characters,
                # not tokens, and so misplaced a third of the chunks, and their pages.)
                start = text.find(piece, start + 1)
                first = members[_section_at(offsets, start)]
                last = members[_section_at(offsets, start + max(0, len(piece) - 1))]
                ids = tokens.ids_at(start, piece)
                # The heading and the text meet at a line break, which no token crosses.
                embedding_ids = (*heading, *ids)
                yield Chunk(
                    ordinal, piece, path, first.page_start, last.page_end, len(ids), embedding_ids
                )
                ordinal += 1

    def _splitter(self, length: Callable[[str], int]) -> RecursiveCharacterTextSplitter:
        # One per run: the length function knows only that run's text.
        return RecursiveCharacterTextSplitter(
            chunk_size=self.chunk_tokens,
            chunk_overlap=self.overlap_tokens,
            length_function=length,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
            strip_whitespace=True,
        )


class RunTokens:
    """Token counts of the pieces of one text, from a single tokenisation of the whole text.

    The splitter asks for the length of every candidate piece, about a dozen times per chunk;
    tokenising each piece on its own cost 1.2 of the handbook's 1.3 s of chunking. A piece that
    begins and ends at whitespace has exactly the tokens of the whole text that start inside it
    (the model's tokenizer never joins characters across whitespace), so its length is two
    bisections. Any other piece (a word cut in two, a rare last resort of the splitter) is
    tokenised on its own.
    """

    def __init__(self, tokenizer: Any, text: str) -> None:
        self.tokenizer = tokenizer
        self.text = text
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        self.ids: list[int] = encoded["input_ids"]
        self.starts = [start for start, _ in encoded["offset_mapping"]]
        self._cursor = 0
        self._counts: dict[str, int] = {}

    def count(self, piece: str) -> int:
        """Tokens in `piece`, a substring of the text (the splitter's length function)."""
        known = self._counts.get(piece)
        if known is not None:
            return known
        position = self.text.find(piece, self._cursor)
        if position < 0:
            position = self.text.find(piece)
        self._cursor = max(position, 0)
        count = self.count_at(position, piece)
        self._counts[piece] = count
        return count

    def count_at(self, position: int, piece: str) -> int:
        """Tokens in `piece`, found at `position` of the text (-1: not found there)."""
        span = self._span(position, piece)
        return span[1] - span[0] if span is not None else len(token_ids(self.tokenizer, piece))

    def ids_at(self, position: int, piece: str) -> list[int]:
        """The token ids of `piece`, found at `position` of the text (-1: not found there)."""
        span = self._span(position, piece)
        return self.ids[span[0] : span[1]] if span is not None else token_ids(self.tokenizer, piece)

    def _span(self, position: int, piece: str) -> tuple[int, int] | None:
        """The text's tokens that make up `piece` (first, past the last), when the piece is
        bounded by whitespace or the text's ends; None when it must be tokenised alone."""
        end = position + len(piece)
        if position < 0 or not (self._breaks_at(position) and self._breaks_at(end)):
            return None
        return bisect.bisect_left(self.starts, position), bisect.bisect_left(self.starts, end)

    def _breaks_at(self, position: int) -> bool:
        """Whether no token can run across this position: an end of the text, or whitespace."""
        if position <= 0 or position >= len(self.text):
            return True
        return _is_whitespace(self.text[position - 1]) or _is_whitespace(self.text[position])


def token_ids(tokenizer: Any, text: str) -> list[int]:
    """The tokenizer's ids of `text`, without special tokens."""
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _is_whitespace(character: str) -> bool:
    # What the BERT tokenizer splits on; str.isspace() would also count control characters
    # such as U+001F, which the tokenizer deletes without splitting the word.
    return character in " \t\n\r" or unicodedata.category(character) == "Zs"


def _runs(sections: Iterable[Section]) -> Iterator[tuple[tuple[str, ...], list[Section]]]:
    """Consecutive sections under one heading (e.g. pages of a chapter), split as one text so a
    paragraph running over a page break stays in one chunk; capped so chunks keep flowing."""
    for path, group in groupby(sections, key=lambda s: s.heading_path):
        run: list[Section] = []
        for section in group:
            run.append(section)
            if len(run) == MAX_RUN_SECTIONS:
                yield path, run
                run = []
        if run:
            yield path, run


def _join(sections: Sequence[Section]) -> tuple[str, list[int]]:
    offsets, parts, position = [], [], 0
    for section in sections:
        offsets.append(position)
        parts.append(section.text)
        position += len(section.text) + len(SECTION_JOINER)
    return SECTION_JOINER.join(parts), offsets


def _section_at(offsets: list[int], position: int) -> int:
    return max(0, bisect.bisect_right(offsets, position) - 1)
