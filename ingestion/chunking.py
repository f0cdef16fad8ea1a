"""Structure-aware, token-sized chunks that remember their pages and heading path."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
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
        self.splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
            tokenizer,
            chunk_size=chunk_tokens,
            chunk_overlap=min(overlap_tokens, chunk_tokens // 2),
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
            add_start_index=True,
            strip_whitespace=True,
        )

    def chunk(self, sections: Iterable[Section]) -> list[Chunk]:
        """Chunks for a whole document, numbered from 0 in reading order."""
        return list(self.stream(sections))

    def stream(self, sections: Iterable[Section]) -> Iterator[Chunk]:
        """Chunks as soon as each run of sections is complete, numbered in reading order."""
        ordinal = 0
        for path, members in _runs(sections):
            text, offsets = _join(members)
            docs = self.splitter.create_documents([text])
            counts = self._token_counts([doc.page_content for doc in docs])
            for doc, count in zip(docs, counts, strict=True):
                start = int(doc.metadata.get("start_index", 0))
                first = members[_section_at(offsets, start)]
                last = members[_section_at(offsets, start + max(0, len(doc.page_content) - 1))]
                yield Chunk(ordinal, doc.page_content, path, first.page_start, last.page_end, count)
                ordinal += 1

    def _token_counts(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]


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
