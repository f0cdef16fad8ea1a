"""The shape every extractor returns, and the dispatch from file type to extractor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
class ExtractionReport:
    """What an extractor learns beyond the sections; complete once the sections are consumed."""

    pages_total: int | None = None
    needs_ocr: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    """A whole document's sections and report."""

    sections: list[Section]
    report: ExtractionReport


@dataclass(frozen=True)
class ExtractOptions:
    """Per-document inputs and safety limits."""

    password: str | None = None
    max_uncompressed_bytes: int = 200 * 1024 * 1024


# Called after each page so the worker can report progress: (pages_done, pages_total).
PageProgress = Callable[[int, int], None]


def iter_sections(
    data: bytes,
    file_type: FileType,
    options: ExtractOptions,
    report: ExtractionReport,
    on_page: PageProgress | None = None,
) -> Iterator[Section]:
    """Sections in reading order, produced as the parser goes, so chunking and embedding can
    start before the last page is read. Errors surface while iterating."""
    from ingestion import pdf, plaintext, word  # each pulls in its parser library

    if file_type is FileType.PDF:
        return pdf.iter_pdf(data, options, report, on_page)
    if file_type is FileType.DOCX:
        return word.iter_docx(data, options)
    if file_type is FileType.MARKDOWN:
        return plaintext.iter_markdown(data)
    return plaintext.iter_text(data)


def extract(
    data: bytes, file_type: FileType, options: ExtractOptions, on_page: PageProgress | None = None
) -> Extraction:
    """All sections of a document at once."""
    report = ExtractionReport()
    sections = list(iter_sections(data, file_type, options, report, on_page))
    return Extraction(sections, report)
