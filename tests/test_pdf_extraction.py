"""PDF text through PDFium: clean text, heading paths from the outline, safe across threads."""

from concurrent.futures import ThreadPoolExecutor

from ingestion.extraction import ExtractionReport, ExtractOptions
from ingestion.pdf import clean_page_text, iter_pdf
from tests.conftest import shared_file

R_INTRO = "documents/educational/R-intro.pdf"
GEOTOPO = "documents/educational/GeoTopo-komprimiert.pdf"


def _pages(relative: str) -> list[str]:
    data = shared_file(relative).read_bytes()
    return [s.text for s in iter_pdf(data, ExtractOptions(), ExtractionReport(), None)]


def test_pdfium_markers_become_plain_text():
    assert clean_page_text("S\x02Plus\r\nnext \x14line\x00\rend\ufffe") == "S-Plus\nnext line\nend-"


def test_real_pages_have_no_control_characters_and_split_ligatures():
    pages = _pages(GEOTOPO)
    text = "\n".join(pages)
    assert not any(ch < " " and ch not in "\n\t" for ch in text)
    assert "Definition" in text and "\ufb01" not in text  # "fi", not the ligature glyph
    assert any("Schwarz-Weiß" in page for page in pages)  # PDFium's hyphen marker restored


def test_outline_gives_each_page_its_heading_path():
    data = shared_file(R_INTRO).read_bytes()
    report = ExtractionReport()
    sections = list(iter_pdf(data, ExtractOptions(), report, None))
    assert report.pages_total == 113
    by_page = {s.page_start: s.heading_path for s in sections}
    assert by_page[1] == ()  # before the first bookmark
    chapter_pages = [path for path in by_page.values() if path and path[0].startswith("1 ")]
    assert chapter_pages, "chapter 1's bookmark should head some pages"
    assert any(len(path) >= 2 for path in by_page.values()), "sections nest under chapters"


def test_concurrent_extraction_in_threads_matches_serial():
    # PDFium is not thread-safe; the thread fallback parses several documents at once.
    names = [R_INTRO, GEOTOPO] * 3
    serial = [_pages(name) for name in names]
    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(_pages, names)) == serial
