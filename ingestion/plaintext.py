"""Plain text and Markdown: Markdown headings become the heading path."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_text_splitters import MarkdownHeaderTextSplitter

from ingestion.detection import decode_text
from ingestion.errors import NoText, UnsupportedFileType
from ingestion.extraction import Section

HEADER_LEVELS = [("#" * level, f"h{level}") for level in range(1, 7)]


def _decode(data: bytes) -> str:
    text = decode_text(data)
    if text is None:
        raise UnsupportedFileType("The file is not readable text.")
    if not text.strip():
        raise NoText()
    return text


def iter_text(data: bytes) -> Iterator[Section]:
    """One section holding the whole text."""
    yield Section(text=_decode(data))


def iter_markdown(data: bytes) -> Iterator[Section]:
    """A section per heading, headings kept in the text and as the heading path."""
    splitter = MarkdownHeaderTextSplitter(HEADER_LEVELS, strip_headers=False)
    sections = []
    for doc in splitter.split_text(_decode(data)):
        path = tuple(doc.metadata[key] for _, key in HEADER_LEVELS if key in doc.metadata)
        if doc.page_content.strip():
            sections.append(Section(text=doc.page_content, heading_path=path))
    if not sections:
        raise NoText()
    yield from sections
