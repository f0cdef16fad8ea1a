"""The shape every extractor returns, and the dispatch from file type to extractor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ingestion.detection import FileType


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path, on a known page range when the format has pages."""

    text: str
    heading_path: tuple[str, ...] = ()
    page_start: int | None = None
    page_end: int | None = None


@dataclass
class Extraction:
    """Everything an extractor learned about a document."""

    sections: list[Section]
    pages_total: int | None = None
    needs_ocr: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExtractOptions:
    """Per-document inputs and safety limits."""

    password: str | None = None
    max_uncompressed_bytes: int = 200 * 1024 * 1024


# Called after each page so the worker can report progress: (pages_done, pages_total).
PageProgress = Callable[[int, int], None]


def extract(
    data: bytes, file_type: FileType, options: ExtractOptions, on_page: PageProgress | None = None
) -> Extraction:
    """Extract sections from a document of a detected type."""
    from ingestion import pdf, plaintext, word  # each pulls in its parser library

    if file_type is FileType.PDF:
        return pdf.extract_pdf(data, options, on_page)
    if file_type is FileType.DOCX:
        return word.extract_docx(data, options)
    if file_type is FileType.MARKDOWN:
        return plaintext.extract_markdown(data)
    return plaintext.extract_text(data)
