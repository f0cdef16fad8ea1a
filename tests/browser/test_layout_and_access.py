"""Every main screen at 375 px and at desktop width: no sideways scrolling, labelled controls,
keyboard use, and no serious or critical axe-core violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import shared_file

from .conftest import PageProblems, check_accessibility, create_account, screenshot
from .pages import sign_in, upload, wait_status

SCREENS = ["documents", "search", "tutor", "practice"]


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("width", [375, 1280])
def test_screens_fit_and_pass_axe(
    browser: Browser, live_server: str, page_problems: PageProblems, width: int
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 812})
    page = context.new_page()
    page.on("pageerror", page_problems.page_error)
    try:
        page.goto("/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert overflow(page) <= 0
        assert check_accessibility(page) == []

        sign_in(page, create_account(live_server))
        upload(page, shared_file("documents/tricky/encrypted/password.pdf"))
        wait_status(page, "password.pdf", "failed")  # the failure panel with its password form
        for screen in SCREENS:
            page.goto(f"/#/{screen}")
            link = page.get_by_role("link", name=screen.title(), exact=True)
            expect(link).to_have_attribute("aria-current", "page")
            page.wait_for_load_state("networkidle")
            assert overflow(page) <= 0, f"{screen} scrolls sideways at {width} px"
            assert check_accessibility(page) == [], screen
            if width == 375:
                screenshot(page, f"{screen}-375")
    finally:
        context.close()
    assert page_problems.unexpected() == []


def test_keyboard_alone_reaches_and_uses_the_app(page: Page, live_server: str) -> None:
    account = create_account(live_server)
    page.goto("/")
    page.keyboard.press("Tab")  # the first field has focus, visibly
    expect(page.get_by_label("Email")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")  # to the content, and not away from this page
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#/documents$"))
    skip.focus()
    for _ in range(4):  # the brand, Documents, Tutor, Search
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Search", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Search your notes")).to_be_visible()

    account_button = page.locator(".account > button")
    # The menu re-renders when /me arrives: press keys at the settled button, not the placeholder.
    expect(account_button).to_contain_text(account.email.split("@")[0])
    account_button.focus()
    page.keyboard.press("Enter")
    expect(account_button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(account_button).to_have_attribute("aria-expanded", "false")
    expect(account_button).to_be_focused()
