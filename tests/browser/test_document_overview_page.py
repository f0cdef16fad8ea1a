"""A document's own page: its summary with pages and its key concepts, each concept a way into
a practice set in the tutor."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import shared_file

from .conftest import check_accessibility, create_account, screenshot
from .pages import document_row, sign_in, upload, wait_status


def test_document_page_shows_its_overview_and_a_concept_opens_practice(
    page: Page, live_server: str
) -> None:
    pdf = shared_file("documents/educational/amt_handbook_sample.pdf")
    sign_in(page, create_account(live_server))
    upload(page, pdf)
    wait_status(page, pdf.name, "ready")

    document_row(page, pdf.name).get_by_role("link", name=pdf.name).click()
    expect(page).to_have_url(re.compile(r"#/documents/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=pdf.name, level=1)).to_be_focused()
    expect(page.get_by_text("ready", exact=True)).to_be_visible()
    summary = page.get_by_role("region", name="Summary").get_by_role("listitem")
    expect(summary.first).to_contain_text("self-locking nuts")
    assert 3 <= summary.count() <= 6
    expect(summary.first).to_contain_text("(p. 1)")
    concepts = page.get_by_role("region", name="Key concepts").get_by_role("link")
    expect(concepts.first).to_have_text(re.compile(r"\S"))
    assert concepts.count() >= 8
    assert check_accessibility(page) == []
    screenshot(page, "document-overview")

    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert check_accessibility(page) == []

    nut = page.get_by_role("link", name="Practise nut", exact=True)
    nut.click()
    expect(page).to_have_url(re.compile(r"#/tutor\?mode=practice&text=nut$"))
    expect(page.get_by_role("radio", name="Practice")).to_be_checked()
    expect(page.get_by_label("Your question")).to_have_value("nut")
