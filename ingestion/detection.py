"""Recognise a file's type from its bytes; the extension only tells Markdown from text."""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

from ingestion.errors import CorruptDocument, EmptyFile, UnsupportedFileType

# Why no libmagic: it reports DOCX as application/zip and needs a system library; the four
# formats we accept are told apart reliably by these few checks.
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


class FileType(StrEnum):
    """A supported document format."""

    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    MARKDOWN = "text/markdown"
    TEXT = "text/plain"


def detect_type(data: bytes, filename: str) -> FileType:
    """The format of `data`; raises UnsupportedFileType or EmptyFile."""
    if not data.strip():
        raise EmptyFile()
    # Some producers put junk before the header; readers accept it within the first KiB.
    if PDF_MAGIC in data[:1024]:
        return FileType.PDF
    if data.startswith(ZIP_MAGIC):
        return _zip_type(data)
    lowered = filename.lower()
    if lowered.endswith((".pdf", ".docx")):
        raise CorruptDocument(f"The file is named {filename} but its content is not that format.")
    if decode_text(data) is None:
        raise UnsupportedFileType()
    if lowered.endswith(MARKDOWN_SUFFIXES):
        return FileType.MARKDOWN
    return FileType.TEXT


def _zip_type(data: bytes) -> FileType:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile as exc:
        # A zip whose central directory is gone: most often a truncated DOCX.
        if b"word/" in data[:4096]:
            raise CorruptDocument("The DOCX file is truncated or damaged.") from exc
        raise UnsupportedFileType() from exc
    if "word/document.xml" in names:
        return FileType.DOCX
    raise UnsupportedFileType("This ZIP archive is not a Word document (DOCX).")


def decode_text(data: bytes) -> str | None:
    """The text in `data` when it looks like a text file, else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        if b"\x00" in data[:8192]:
            return None
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _mostly_printable(text[:8192]):
            return text
    return None


def _mostly_printable(sample: str) -> bool:
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in sample)
    return printable >= 0.95 * len(sample)
