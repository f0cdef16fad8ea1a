"""The account menu (change password, sign out everywhere, ask to teach), the teacher invite
field of the sign-up form, and the admin section: teacher requests, invites, the audit log."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import set_role

from .conftest import PASSWORD, PageProblems, check_accessibility, create_account, screenshot
from .pages import TOKEN_KEY, sign_in


def me(base_url: str, token: str) -> httpx.Response:
    return httpx.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def open_menu(page: Page) -> None:
    page.locator(".account > button").click()
    expect(page.locator("#account-panel")).to_be_visible()


def test_changing_the_password_ends_the_old_token_and_keeps_the_page_signed_in(
    page: Page, live_server: str, page_problems: PageProblems
) -> None:
    account = create_account(live_server)
    sign_in(page, account)
    open_menu(page)
    page.get_by_role("button", name="Change password").click()
    form = page.get_by_role("form", name="Change password")

    page_problems.allow("403")  # the wrong current password, below
    form.get_by_label("Current password").fill("not my password")
    form.get_by_label("New password").fill("a much better one")
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("alert")).to_contain_text("current password is not right")
    assert me(live_server, account.token).status_code == 200

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(page.locator("#account-panel")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    stored = page.evaluate(f"localStorage.getItem('{TOKEN_KEY}')")
    assert stored and stored != account.token
    assert me(live_server, account.token).status_code == 401
    assert me(live_server, stored).status_code == 200
    login = {"email": account.email, "password": "a much better one"}
    assert httpx.post(f"{live_server}/api/v1/auth/login", json=login).status_code == 200


def test_sign_out_everywhere_returns_to_the_sign_in_form(
    page: Page, live_server: str, page_problems: PageProblems
) -> None:
    # The page's own reads still in flight when every session ends are refused: that is the
    # feature (seen when the events socket subscribed just as the button was pressed).
    page_problems.allow(r"status of 401")
    account = create_account(live_server)
    sign_in(page, account)
    open_menu(page)
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out on every device.")).to_be_visible()
    assert me(live_server, account.token).status_code == 401


def test_the_sign_up_form_asks_teachers_for_an_invite_code(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_label("Teacher invite code")).to_have_count(0)
    page.get_by_role("radio", name="teacher").check()
    expect(page.get_by_label("Teacher invite code")).to_be_visible()
    page.get_by_role("radio", name="student").check()
    expect(page.get_by_label("Teacher invite code")).to_have_count(0)


def test_an_admin_approves_a_teacher_request(page: Page, live_server: str, settings) -> None:
    student = create_account(live_server)
    sign_in(page, student)
    open_menu(page)
    page.get_by_role("button", name="Ask for teacher access").click()
    expect(page.get_by_text("Asked: an admin will decide.")).to_be_visible()
    assert page.get_by_role("link", name="Admin").count() == 0

    admin = create_account(live_server)
    set_role(settings, me(live_server, admin.token).json()["id"], "admin")
    sign_in(page, admin, "#/admin")
    expect(page.get_by_role("link", name="Admin")).to_have_attribute("aria-current", "page")
    approve = page.get_by_role("button", name=f"Approve {student.email}")
    expect(approve).to_be_visible()
    assert check_accessibility(page) == []
    screenshot(page, "admin")
    approve.click()
    expect(page.get_by_text(f"{student.email} is now a teacher.")).to_be_visible()
    expect(approve).to_have_count(0)
    assert me(live_server, student.token).json()["role"] == "teacher"
    # The approval is in the audit log, filtered by action.
    page.get_by_label("Action").select_option("teacher.approved")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text("teacher.approved")

    page.get_by_role("button", name="Create invite code").click()
    expect(page.locator(".invite-code code")).to_have_text(re.compile(r"^\S{8,}$"))
