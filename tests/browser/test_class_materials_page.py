"""Class materials in the web app: a teacher shares one of their documents on the class page,
the student sees it listed (read-only) and finds it in search named by its class; once the
teacher stops sharing it, the student's next search no longer finds it."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect

from tutor.settings import Settings

from .conftest import PageProblems, check_accessibility, screenshot
from .pages import ingest_note, sign_in
from .test_class_pages import class_with_student, second_page

LESSON = b"""# Osmoregulation

In freshwater fish the kidneys excrete dilute urine, while the gills actively absorb salt.
"""


def test_a_teacher_shares_a_document_the_student_searches_it(
    page: Page,
    browser: Browser,
    live_server: str,
    settings: Settings,
    page_problems: PageProblems,
) -> None:
    tag = uuid.uuid4().hex[:6]
    both = class_with_student(live_server, settings, tag)
    teacher, student, made, class_name = both.teacher, both.student, both.made, f"Biology {tag}"
    filename = f"osmoregulation-{tag}.md"
    ingest_note(live_server, teacher, filename, LESSON)

    # The teacher shares the document from the class page, by keyboard.
    sign_in(page, teacher, f"#/classes/{made['id']}")
    materials = page.get_by_role("region", name="Materials")
    expect(materials.get_by_text("Nothing shared yet.")).to_be_visible()
    chooser = materials.get_by_label("Your document")
    expect(chooser.locator("option")).to_have_text([filename])
    chooser.focus()
    page.keyboard.press("Tab")
    expect(materials.get_by_role("button", name="Share with the class")).to_be_focused()
    page.keyboard.press("Enter")
    expect(materials.get_by_role("status")).to_have_text(f"{filename} is shared with {class_name}.")
    expect(materials.locator(".material-name")).to_have_text([filename])
    expect(materials.get_by_text("No document of yours left to share")).to_be_visible()
    assert check_accessibility(page) == []
    screenshot(page, "class-materials-teacher")

    with second_page(browser, live_server, page_problems) as tab:
        # The student sees it listed, read-only, and finds it in search under its class.
        sign_in(tab, student, f"#/classes/{made['id']}")
        listed = tab.get_by_role("region", name="Materials")
        expect(listed.locator(".material-name")).to_have_text([filename])
        expect(listed).to_contain_text(f"shared by Teacher {tag}")
        expect(listed.get_by_role("button")).to_have_count(0)
        expect(listed.get_by_label("Your document")).to_have_count(0)
        assert check_accessibility(tab) == []
        screenshot(tab, "class-materials-student")

        tab.goto("/#/search")
        query = tab.get_by_label("Search for")
        query.fill("kidneys excrete dilute urine")
        query.press("Enter")
        hit = tab.locator(".hit").filter(has_text=filename)
        expect(hit.locator(".badge")).to_have_text(f"Class: {class_name}")
        assert check_accessibility(tab) == []
        screenshot(tab, "search-class-material")

        # The teacher stops sharing; the student's next search no longer finds it.
        materials.get_by_role("button", name=f"Stop sharing {filename}").click()
        materials.get_by_role("group", name=f"Confirm: Stop sharing {filename}").get_by_role(
            "button", name="Stop sharing"
        ).click()
        expect(materials.get_by_role("status")).to_have_text(f"{filename} is no longer shared.")
        expect(materials.get_by_text("Nothing shared yet.")).to_be_visible()
        query.press("Enter")
        expect(tab.get_by_role("heading", name="Nothing in your notes")).to_be_visible()
        expect(tab.locator(".hit").filter(has_text=filename)).to_have_count(0)
