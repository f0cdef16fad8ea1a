"""PDF: text per page with pypdf; the outline (bookmarks) gives each page its heading path."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

from ingestion.errors import CorruptDocument, EncryptedDocument, NeedsOcr
from ingestion.extraction import ExtractionReport, ExtractOptions, PageProgress, Section
from ingestion.text_quality import looks_like_ocr_noise

log = logging.getLogger(__name__)

# Fewer non-space characters than this per page on average: there is no real text layer.
MIN_CHARS_PER_PAGE = 10


def iter_pdf(
    data: bytes, options: ExtractOptions, report: ExtractionReport, on_page: PageProgress | None
) -> Iterator[Section]:
    """A section per page; raises EncryptedDocument, CorruptDocument or NeedsOcr."""
    reader = _open(data, options.password)
    try:
        pages = reader.pages
        total = len(pages)
    except (PdfReadError, PdfStreamError, ValueError, KeyError) as exc:
        raise CorruptDocument(f"The PDF's page tree is damaged: {exc}") from exc
    report.pages_total = total
    outline = _page_headings(reader)
    texts: list[str] = []
    for number in range(1, total + 1):
        text = _page_text(pages, number, report.warnings)
        if text.strip():
            texts.append(text)
            yield Section(text, outline.get(number, ()), number, number)
        if on_page is not None:
            on_page(number, total)
    whole = " ".join(texts)
    if len("".join(whole.split())) < MIN_CHARS_PER_PAGE * max(1, total):
        raise NeedsOcr()
    # A noisy layer is still kept (it may be partly useful) but flagged for OCR.
    report.needs_ocr = looks_like_ocr_noise(whole)
    if report.needs_ocr:
        report.warnings.append("the text layer looks like OCR noise; search quality will be poor")


def _open(data: bytes, password: str | None) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except (PdfReadError, PdfStreamError, ValueError, KeyError, OSError) as exc:
        raise CorruptDocument(f"The PDF could not be read: {exc}") from exc
    if reader.is_encrypted:
        # An empty password opens owner-password-only (copy-protected) files.
        for candidate in (password, ""):
            if candidate is None:
                continue
            try:
                if reader.decrypt(candidate):
                    return reader
            except (FileNotDecryptedError, PdfReadError, NotImplementedError) as exc:
                raise EncryptedDocument(f"The PDF's encryption is not supported: {exc}") from exc
        if password:
            raise EncryptedDocument("The password given does not open this PDF.")
        raise EncryptedDocument()
    return reader


def _page_text(pages: Any, number: int, warnings: list[str]) -> str:
    try:
        return str(pages[number - 1].extract_text() or "")
    except Exception as exc:  # pypdf raises many types on a broken content stream
        log.warning("page %d: text extraction failed: %s", number, exc)
        warnings.append(f"page {number}: text could not be extracted ({type(exc).__name__})")
        return ""


def _page_headings(reader: PdfReader) -> dict[int, tuple[str, ...]]:
    """Heading path in force on each page, from the outline; {} when there is none."""
    try:
        marks = sorted(_flatten_outline(reader, reader.outline, ()), key=lambda m: m[0])
        total = len(reader.pages)
    except Exception as exc:  # a damaged outline must not fail the document
        log.info("ignoring unreadable PDF outline: %s", exc)
        return {}
    headings: dict[int, tuple[str, ...]] = {}
    current: tuple[str, ...] = ()
    index = 0
    for page in range(1, total + 1):
        while index < len(marks) and marks[index][0] <= page:
            current = marks[index][1]
            index += 1
        headings[page] = current
    return headings


def _flatten_outline(
    reader: PdfReader, items: Any, parents: tuple[str, ...]
) -> Iterator[tuple[int, tuple[str, ...]]]:
    last: tuple[str, ...] = parents
    for item in items:
        if isinstance(item, list):
            yield from _flatten_outline(reader, item, last)
            continue
        page = reader.get_destination_page_number(item)
        title = " ".join(str(item.title or "").split())
        last = (*parents, title)
        if page is not None and page >= 0:
            yield page + 1, last
