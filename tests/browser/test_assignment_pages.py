"""Assignments in the web app: a teacher publishes a practice set to a class from its page; the
student finds it among their tasks and on the class page, answers and submits (one short answer
the grader is unsure of); the teacher marks that answer right from the review queue, reads the
gradebook and downloads it; the student then sees the settled grade."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID

from playwright.sync_api import Browser, Page, expect
from psycopg import AsyncConnection

from tests.test_practice_attempts_api import HALF_RIGHT, SET_HEADER, set_items
from tutor.chat import practice
from tutor.resources import database_url
from tutor.settings import Settings

from .conftest import Account, PageProblems, check_accessibility, screenshot
from .pages import sign_in
from .test_class_pages import class_with_student, second_page
from .test_gamification_pages import http


def practice_set_of(settings: Settings, owner: str) -> None:
    """A practice set of the owner's: a multiple-choice question and two short answers."""

    async def save() -> None:
        async with await AsyncConnection.connect(database_url(settings)) as conn:
            await practice.save_set(conn, UUID(owner), SET_HEADER, set_items())

    # Its own thread: Playwright's sync API holds this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, save()).result()


def practice_set_id(live_server: str, account: Account) -> str:
    """The account's newest practice set."""
    with http(live_server, account) as api:
        return str(api.get("/practice-sets").json()["items"][0]["id"])


def test_publish_submit_grade_and_gradebook(
    page: Page,
    browser: Browser,
    live_server: str,
    settings: Settings,
    page_problems: PageProblems,
) -> None:
    tag = uuid.uuid4().hex[:6]
    both = class_with_student(live_server, settings, tag)
    teacher, student, made = both.teacher, both.student, both.made
    practice_set_of(settings, both.teacher_id)

    # The teacher publishes the set from the class page.
    sign_in(page, teacher, f"#/classes/{made['id']}")
    assignments = page.get_by_role("region", name="Assignments")
    expect(assignments.get_by_text("No assignments yet.")).to_be_visible()
    expect(assignments.get_by_label("Practice set").locator("option")).to_have_count(1)
    assignments.get_by_label("Title").fill("Week 1 quiz")
    assignments.get_by_label("Submissions allowed").fill("1")
    assignments.get_by_role("button", name="Publish to the class").click()
    expect(assignments.get_by_role("status")).to_contain_text("Week 1 quiz is published")
    expect(assignments.get_by_role("link", name="Week 1 quiz")).to_be_visible()
    expect(assignments).to_contain_text("0 submitted")
    assert check_accessibility(page) == []
    screenshot(page, "class-assignments-teacher")

    with second_page(browser, live_server, page_problems) as tab:
        # The student sees it on the class page, and has it as a task which opens it.
        sign_in(tab, student, f"#/classes/{made['id']}")
        tab.get_by_role("button", name="Notifications, 1 unread").click()
        expect(tab.get_by_text("New assignment: Week 1 quiz")).to_be_visible()
        tab.keyboard.press("Escape")
        listed = tab.get_by_role("region", name="Assignments")
        expect(listed.get_by_role("link", name="Week 1 quiz")).to_be_visible()
        expect(listed).to_contain_text("Not submitted yet")
        tab.goto("/#/tasks")
        tab.get_by_role("button", name="All open").click()
        task = tab.get_by_role("list", name="All open tasks").locator("li.task")
        expect(task).to_contain_text("Week 1 quiz")
        task.get_by_role("link", name="Open the assignment").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Week 1 quiz")
        expect(tab.get_by_test_id("attempts-left")).to_have_text("1")
        tab.get_by_role("group", name="1. Where does photosynthesis happen?").get_by_label(
            "chloroplast"
        ).check()
        tab.get_by_label("2. What makes ATP and NADPH in a leaf?").fill(HALF_RIGHT)
        tab.get_by_label("3. How many chloroplasts per cell, roughly?").fill("twenty-one")
        assert check_accessibility(tab) == []
        screenshot(tab, "assignment-student")
        tab.get_by_role("button", name="Submit answers").click()
        expect(tab.get_by_role("heading", name="Submission 1: 67%")).to_be_visible()
        expect(tab.get_by_text("Waiting for your teacher", exact=True)).to_be_visible()
        expect(tab.get_by_test_id("submission-facts")).to_contain_text("1 answer(s) waiting")
        expect(tab.get_by_test_id("attempts-left")).to_have_text("0")
        expect(tab.get_by_role("button", name="Submit answers")).to_have_count(0)

        # The teacher marks the unsure answer right, and reads the gradebook.
        page.reload()
        grading = page.get_by_role("region", name="Grading")
        expect(grading.get_by_role("heading", name="To grade (1)")).to_be_visible()
        expect(grading).to_contain_text(f"Answer: {HALF_RIGHT}")
        grading.get_by_role("button", name=f"Mark Student {tag}'s answer right").click()
        expect(grading.get_by_text("Nothing waits for a grade.")).to_be_visible()
        row = grading.get_by_role("row", name=f"Student {tag}")
        expect(row.get_by_role("cell")).to_have_text(["100%", "100%", "—", ""])
        assert check_accessibility(page) == []
        screenshot(page, "class-grading")
        with page.expect_download() as downloaded:
            grading.get_by_role("button", name="Download gradebook (CSV)").click()
        text = open(downloaded.value.path(), encoding="utf-8").read()
        assert text.splitlines() == [
            "student,Week 1 quiz,average,missing,struggling",
            f"Student {tag},100,100,0,",
        ]

        # The assignment's analysis: one submission of one student, every question right now.
        page.get_by_role("region", name="Assignments").get_by_role(
            "link", name="Week 1 quiz"
        ).click()
        analysis = page.get_by_role("region", name="Analysis")
        expect(analysis.get_by_test_id("completion")).to_have_text("1 of 1 students submitted.")
        expect(analysis.get_by_role("row", name="90–100%")).to_contain_text("1")
        first = analysis.get_by_role("row", name="1. Where does photosynthesis happen?")
        expect(first).to_contain_text("100%")
        expect(first).to_contain_text("chloroplast: 1")
        expect(first.locator(".badge")).to_have_text(["Too easy"])
        assert check_accessibility(page) == []
        screenshot(page, "assignment-analysis")

        # Work past due and not handed in is missing; the teacher excuses it in the gradebook.
        now = datetime.now(UTC)
        with http(live_server, teacher) as api:
            api.post(
                f"/classes/{made['id']}/assignments",
                json={
                    "set_id": practice_set_id(live_server, teacher),
                    "title": "Old quiz",
                    "opens_at": (now - timedelta(days=3)).isoformat(),
                    "due_at": (now - timedelta(days=1)).isoformat(),
                },
            ).raise_for_status()
        page.goto(f"/#/classes/{made['id']}")
        row = page.get_by_role("region", name="Grading").get_by_role("row", name=f"Student {tag}")
        expect(row.get_by_role("cell").first).to_contain_text("missing")
        page.get_by_role("button", name=f"Excuse Student {tag} from Old quiz").click()
        expect(row.get_by_role("cell").first).to_contain_text("excused")
        expect(
            page.get_by_role("button", name=f"Take back Student {tag}'s excusal from Old quiz")
        ).to_be_visible()

        # The student sees the settled grade.
        tab.reload()
        expect(tab.get_by_role("heading", name="Submission 1: 100%")).to_be_visible()
        expect(tab.get_by_text("(graded by your teacher)")).to_be_visible()
