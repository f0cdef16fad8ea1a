import io
import zipfile

import pytest

from ingestion.detection import FileType, detect_type
from ingestion.errors import CorruptDocument, EmptyFile, UnsupportedFileType


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


def test_pdf_is_recognised_by_magic_bytes_not_extension():
    assert detect_type(b"%PDF-1.7\n...", "notes.txt") is FileType.PDF


def test_docx_is_a_zip_with_a_word_document():
    assert detect_type(_zip(["word/document.xml"]), "x.bin") is FileType.DOCX


def test_other_zip_archives_are_refused():
    with pytest.raises(UnsupportedFileType):
        detect_type(_zip(["data.csv"]), "archive.zip")


def test_markdown_and_text_are_told_apart_by_extension():
    assert detect_type(b"# Title\n\nBody", "notes.md") is FileType.MARKDOWN
    assert detect_type(b"# Title\n\nBody", "notes.txt") is FileType.TEXT


def test_utf16_text_with_bom_is_text():
    assert detect_type("héllo wörld".encode("utf-16"), "a.txt") is FileType.TEXT


def test_binary_junk_is_unsupported():
    with pytest.raises(UnsupportedFileType):
        detect_type(bytes(range(256)) * 10, "image.png")


def test_empty_and_whitespace_files_are_empty():
    with pytest.raises(EmptyFile):
        detect_type(b"  \n\t", "blank.txt")


def test_a_pdf_name_on_non_pdf_bytes_is_corrupt():
    with pytest.raises(CorruptDocument):
        detect_type(b"This is not a valid PDF file at all.", "broken.pdf")


def test_truncated_docx_is_corrupt():
    data = _zip(["word/document.xml", "word/styles.xml"])
    with pytest.raises(CorruptDocument):
        detect_type(data[: len(data) // 2], "cut.docx")
