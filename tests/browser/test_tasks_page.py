"""The tasks page: add a task with Enter, finish it with the keyboard (it moves to Done), see an
overdue one marked, edit and delete, and a calendar link that works until it is revoked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Page, expect

from .conftest import Account, check_accessibility, create_account, screenshot
from .pages import sign_in


def screenshot_from_top(page: Page, name: str) -> None:
    """A screenshot with the page scrolled back up, so the sticky header sits at the top."""
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, name)


def add_over_http(base_url: str, account: Account, **task: str) -> None:
    headers = {"Authorization": f"Bearer {account.token}"}
    with httpx.Client(base_url=f"{base_url}/api/v1", headers=headers) as http:
        http.post("/tasks", json=task).raise_for_status()


def test_create_finish_edit_and_delete_tasks(page: Page, live_server: str) -> None:
    account = create_account(live_server)  # the profile's zone: UTC
    today = datetime.now(UTC).date()
    add_over_http(
        live_server, account, title="Finish the lab report", due_date=str(today - timedelta(1))
    )
    sign_in(page, account, "#/tasks")
    today_list = page.get_by_role("list", name="Today tasks")
    overdue = today_list.locator("li.task", has_text="Finish the lab report")
    expect(overdue.get_by_text("Overdue", exact=True)).to_be_visible()

    page.get_by_label("Title").fill("Revise photosynthesis")
    page.get_by_label("Due date").fill(str(today))
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Subject").fill("Biology")
    page.get_by_label("Title").press("Enter")
    row = today_list.locator("li.task", has_text="Revise photosynthesis")
    expect(row).to_be_visible()
    expect(row).to_contain_text("high priority")
    expect(row).to_contain_text("Biology")
    expect(page.get_by_label("Title")).to_have_value("")  # a fresh form for the next one
    expect(page.get_by_label("Task statistics")).to_contain_text(re.compile(r"Overdue\s*1"))
    assert check_accessibility(page) == []
    screenshot_from_top(page, "tasks")

    # Finish it from the keyboard: the checkbox is labelled with the task's title.
    checkbox = page.get_by_role("checkbox", name="Revise photosynthesis")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(
        page.get_by_role("status").filter(has_text="Done: Revise photosynthesis")
    ).to_be_attached()
    expect(row).to_have_count(0)
    page.get_by_role("button", name="Done", exact=True).click()
    done_row = page.get_by_role("list", name="Done tasks").locator("li.task")
    expect(done_row).to_have_count(1)
    expect(done_row).to_contain_text("Revise photosynthesis")
    expect(done_row.get_by_role("checkbox")).to_be_checked()
    expect(page.get_by_label("Task statistics")).to_contain_text(re.compile(r"Done this week\s*1"))
    screenshot_from_top(page, "tasks-done")

    # Edit the overdue one's title, then delete it.
    page.get_by_role("button", name="Today", exact=True).click()
    page.get_by_role("button", name="Edit Finish the lab report").click()
    editor = page.get_by_role("form", name="Edit Finish the lab report")
    editor.get_by_label("Title").fill("Hand in the lab report")
    editor.get_by_role("button", name="Save").click()
    renamed = today_list.locator("li.task", has_text="Hand in the lab report")
    expect(renamed).to_be_visible()
    renamed.get_by_role("button", name="Delete Hand in the lab report").click()
    renamed.get_by_role("group").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Nothing due today.")).to_be_visible()


def test_the_calendar_link_can_be_copied_and_revoked(page: Page, live_server: str) -> None:
    account = create_account(live_server)
    add_over_http(live_server, account, title="Read chapter 4", due_date="2027-01-20")
    sign_in(page, account, "#/tasks")
    page.get_by_role("button", name="Create calendar link").click()
    link = page.get_by_label("Your calendar link")
    expect(link).to_have_value(re.compile(r"/api/v1/calendar/[\w-]+\.ics$"))
    expect(link).not_to_be_editable()
    url = link.input_value()
    assert url.endswith(".ics")
    feed = httpx.get(url)
    assert feed.status_code == 200 and "SUMMARY:Read chapter 4" in feed.text
    page.get_by_role("button", name="Copy link").click()
    # Copied, or (where the clipboard is refused) selected with a hint to copy it.
    expect(
        page.get_by_role("status").filter(has_text=re.compile("copied|to copy"))
    ).to_be_attached()
    assert check_accessibility(page) == []
    screenshot_from_top(page, "tasks-calendar-link")
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert check_accessibility(page) == []
    screenshot_from_top(page, "tasks-375")

    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_text("The calendar link is revoked")).to_be_visible()
    expect(page.get_by_role("button", name="Create calendar link")).to_be_visible()
    assert httpx.get(url).status_code == 404
