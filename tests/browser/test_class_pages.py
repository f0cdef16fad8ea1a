"""Classes in the web app: a teacher creates a class and manages its join code, a student joins
with the code as typed, both see the class's leaderboard, the teacher removes the student, who
no longer has the class; the owner adds a co-teacher and archives the class."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.conftest import set_role
from tests.test_xp_awards import give_xp
from tutor.settings import Settings

from .conftest import EXTERNAL_URL, Account, PageProblems, check_accessibility, screenshot
from .pages import sign_in
from .test_gamification_pages import http, named_account, overflow

CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$")


@contextmanager
def second_page(browser: Browser, live_server: str, problems: PageProblems) -> Iterator[Page]:
    """Another user's tab beside `page`, offline but for the server, its problems recorded too."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.route(EXTERNAL_URL, problems.block)
    context.route_web_socket(EXTERNAL_URL, problems.block_socket)
    tab = context.new_page()
    tab.on("console", problems.console)
    tab.on("pageerror", problems.page_error)
    try:
        yield tab
    finally:
        context.close()


def teacher_account(live_server: str, settings: Settings, name: str) -> tuple[Account, str]:
    """A display-named account made a teacher (teacher sign-up is closed by default)."""
    account, user = named_account(live_server, name)
    set_role(settings, user, "teacher")
    return account, user


@dataclass(frozen=True)
class ClassWithStudent:
    """A teacher's class (made over HTTP) with one student in it, display-named by `tag`."""

    teacher: Account
    teacher_id: str
    student: Account
    made: dict[str, Any]


def class_with_student(live_server: str, settings: Settings, tag: str) -> ClassWithStudent:
    """Teacher {tag} and Student {tag}, and Biology {tag} with the student in it."""
    teacher, teacher_id = teacher_account(live_server, settings, f"Teacher {tag}")
    student, _ = named_account(live_server, f"Student {tag}")
    with http(live_server, teacher) as api:
        made = api.post("/classes", json={"name": f"Biology {tag}"}).raise_for_status().json()
    with http(live_server, student) as api:
        api.post("/classes/join", json={"code": made["join_code"]}).raise_for_status()
    return ClassWithStudent(teacher, teacher_id, student, made)


def create_class(page: Page, name: str, subject: str, zone: str) -> str:
    """Fill in the New class form; returns the new class's id from the page it opens."""
    form = page.get_by_role("region", name="New class")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("Time zone").select_option(zone)
    form.get_by_role("button", name="Create class").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    return page.url.rsplit("/", 1)[-1]


def test_a_class_from_creation_to_a_removed_student(
    page: Page,
    browser: Browser,
    live_server: str,
    settings: Settings,
    page_problems: PageProblems,
) -> None:
    tag = uuid.uuid4().hex[:6]
    teacher, _ = teacher_account(live_server, settings, f"Teacher {tag}")
    student, student_id = named_account(live_server, f"Student {tag}")
    outsider, outsider_id = named_account(live_server, f"Outsider {tag}")
    for account, user, xp in ((student, student_id, 120), (outsider, outsider_id, 100_000)):
        give_xp(settings, user, xp)
        with http(live_server, account) as api:  # writes the new totals to built boards
            api.patch("/gamification/me", json={"leaderboard_opt_out": False}).raise_for_status()
    class_name = f"Biology {tag}"

    # The teacher: the form defaults to the browser's zone; the new class shows its code.
    sign_in(page, teacher, "#/classes")
    expect(page.get_by_role("link", name="Classes")).to_have_attribute("aria-current", "page")
    own_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    expect(page.get_by_role("region", name="New class").get_by_label("Time zone")).to_have_value(
        own_zone
    )
    class_id = create_class(page, class_name, "Biology", "Europe/Paris")
    code = page.get_by_test_id("join-code")
    expect(code).to_have_text(CODE)
    expect(page.get_by_test_id("class-teachers")).to_have_text("1")
    expect(page.get_by_test_id("class-students")).to_have_text("0")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy code").click()
    expect(page.get_by_role("status").filter(has_text="Code copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == code.inner_text()
    assert check_accessibility(page) == []
    screenshot(page, "class-teacher")

    # A new code retires the old one; joining off shows no code until turned on again.
    old_code = code.inner_text()
    page.get_by_role("button", name="New code").click()
    expect(
        page.get_by_role("status").filter(has_text="the old one no longer works")
    ).to_be_visible()
    expect(code).not_to_have_text(old_code)
    page.get_by_role("button", name="Turn joining off").click()
    expect(page.get_by_test_id("joining-off")).to_be_visible()
    expect(code).to_have_count(0)
    page.get_by_role("button", name="Turn joining on").click()
    expect(code).to_have_text(CODE)
    current = code.inner_text()
    assert current != old_code

    page_problems.allow(r"status of 404")  # the stale code's join and the removed class
    with second_page(browser, live_server, page_problems) as tab:
        # The student: a malformed code is refused before sending, a stale one by the server,
        # and the current one typed in lower case with its dash (by keyboard) joins.
        sign_in(tab, student, "#/classes")
        field = tab.get_by_label("Join code")
        field.fill("abc")
        field.press("Enter")
        expect(tab.get_by_role("alert")).to_have_text(
            "A join code has 8 letters and digits; this one has 3."
        )
        expect(field).to_have_attribute("aria-invalid", "true")
        field.fill(old_code.lower())
        field.press("Enter")
        expect(tab.get_by_role("alert")).to_contain_text("No open class has this code")
        field.fill(current.lower())
        field.press("Enter")
        expect(
            tab.get_by_role("status").filter(has_text=f"You joined {class_name}.")
        ).to_be_visible()
        expect(field).to_have_value("")
        attending = tab.get_by_role("list", name="Attending")
        expect(attending.get_by_role("link")).to_have_text([class_name])
        assert check_accessibility(tab) == []
        screenshot(tab, "classes-student")

        attending.get_by_role("link", name=class_name).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(class_name)
        expect(tab.get_by_test_id("class-subject")).to_have_text("Biology")
        expect(tab.get_by_test_id("class-teachers")).to_have_text("1")
        expect(tab.get_by_test_id("class-students")).to_have_text("1")
        expect(tab.get_by_role("button", name="Leave class")).to_be_visible()
        expect(tab.get_by_test_id("join-code")).to_have_count(0)
        expect(tab.get_by_role("region", name="People")).to_have_count(0)
        assert check_accessibility(tab) == []
        screenshot(tab, "class-student")

        # The class's board ranks its students only; everyone's board has the outsider too.
        tab.goto("/#/leaderboards")
        top = tab.get_by_test_id("top-board")
        expect(top).to_contain_text(f"Outsider {tag}")
        tab.get_by_label("Board of").select_option(label=class_name)
        expect(tab).to_have_url(re.compile(rf"#/leaderboards\?class={class_id}$"))
        expect(top.locator("tbody th")).to_have_text([f"Student {tag} You"])
        expect(tab.get_by_test_id("standing")).to_have_text("You are #1 with 120 XP this week.")
        tab.reload()
        expect(tab.get_by_label("Board of")).to_have_value(class_id)
        expect(top.locator("tbody th")).to_have_text([f"Student {tag} You"])
        assert check_accessibility(tab) == []
        screenshot(tab, "leaderboards-class")

        # The teacher sees the student in the class's people and on its board, then removes them.
        page.goto(f"/#/leaderboards?class={class_id}")
        expect(page.get_by_test_id("standing")).to_have_text(
            f"The students of {class_name}, ranked by XP earned this week."
        )
        expect(page.get_by_test_id("top-board").locator("tbody th")).to_have_text(
            [f"Student {tag}"]
        )
        page.goto(f"/#/classes/{class_id}")
        students = page.get_by_role("list", name="Students")
        expect(students.locator(".person-name")).to_have_text([f"Student {tag}"])
        expect(page.get_by_test_id("class-students")).to_have_text("1")
        page.get_by_role("button", name=f"Remove Student {tag}").click()
        confirm = page.get_by_role("group", name=f"Confirm: Remove Student {tag}")
        expect(confirm.get_by_role("button", name="Keep")).to_be_focused()
        assert check_accessibility(page) == []
        screenshot(page, "class-remove-student")
        confirm.get_by_role("button", name="Remove").click()
        expect(
            page.get_by_role("status").filter(has_text=f"Student {tag} is no longer in")
        ).to_be_visible()
        expect(students.locator(".person")).to_have_count(0)
        expect(page.get_by_test_id("class-students")).to_have_text("0")

        # The student, on their next load, no longer has the class.
        tab.goto("/#/classes")
        tab.reload()
        expect(tab.get_by_text("No classes yet")).to_be_visible()
        expect(tab.get_by_role("link", name=class_name)).to_have_count(0)
        tab.goto(f"/#/classes/{class_id}")
        expect(tab.get_by_role("alert")).to_have_text(
            "This class does not exist, or you are not in it."
        )


def test_the_owner_adds_a_co_teacher_and_archives(
    page: Page, live_server: str, settings: Settings, page_problems: PageProblems
) -> None:
    page_problems.allow(r"status of 404")  # the email no teacher has
    tag = uuid.uuid4().hex[:6]
    owner, _ = teacher_account(live_server, settings, f"Owner {tag}")
    co_teacher, _ = teacher_account(live_server, settings, f"Helper {tag}")
    class_name = f"Chemistry {tag}"
    sign_in(page, owner, "#/classes")
    create_class(page, class_name, "Chemistry", "Pacific/Auckland")

    people = page.get_by_role("region", name="People")
    email = people.get_by_label("Teacher's email")
    email.fill(f"nobody-{tag}@example.com")
    email.press("Enter")
    expect(people.get_by_role("alert")).to_have_text("No teacher account has that email.")
    email.fill(co_teacher.email)
    email.press("Enter")
    teachers = people.get_by_role("list", name="Teachers")
    # Co-teachers are listed before the owner (by standing, then name).
    expect(teachers.locator(".person-name")).to_have_text([f"Helper {tag}", f"Owner {tag}"])
    expect(page.get_by_test_id("class-teachers")).to_have_text("2")

    page.get_by_role("button", name="Archive class").click()
    page.get_by_role("group", name="Confirm: Archive class").get_by_role(
        "button", name="Archive"
    ).click()
    expect(page.get_by_text(re.compile(r"^Archived .*: it can be read"))).to_be_visible()
    expect(page.get_by_test_id("join-code")).to_have_count(0)
    expect(page.get_by_label("Teacher's email")).to_have_count(0)
    screenshot(page, "class-archived")

    page.goto("/#/classes")
    expect(page.get_by_text("No classes yet")).to_be_visible()
    page.get_by_label("Show archived classes").check()
    teaching = page.get_by_role("list", name="Teaching")
    expect(teaching.get_by_role("link")).to_have_text([class_name])
    expect(teaching.locator(".badge")).to_have_text(["Archived"])
    page.set_viewport_size({"width": 375, "height": 812})
    expect(teaching).to_be_visible()
    assert overflow(page) <= 0
    assert check_accessibility(page) == []
    screenshot(page, "classes-375")
