"""My data from the account menu: the storage used on the documents page, exporting everything
as a zip (progress, then a download holding the original file), and deleting the account (the
preview, the password, the explicit confirmation; then the sign-in screen with a notice)."""

from __future__ import annotations

import io
import zipfile

import httpx
from playwright.sync_api import Page, expect

from .conftest import PageProblems, check_accessibility, create_account, screenshot
from .pages import ingest_note, sign_in

NOTE = b"# Osmosis\n\nWater moves across a membrane towards the higher solute concentration.\n"


def open_menu(page: Page) -> None:
    page.locator(".account > button").click()
    expect(page.locator("#account-panel")).to_be_visible()


def test_the_documents_page_shows_the_storage_used(page: Page, live_server: str) -> None:
    account = create_account(live_server)
    ingest_note(live_server, account, "osmosis.md", NOTE)
    sign_in(page, account)
    expect(page.locator(".storage-use")).to_contain_text(f"{len(NOTE)} B of 1 GB used")


def test_export_my_data_shows_progress_and_downloads_the_zip(page: Page, live_server: str) -> None:
    account = create_account(live_server)
    ingest_note(live_server, account, "osmosis.md", NOTE)
    sign_in(page, account)
    open_menu(page)
    page.get_by_role("button", name="Export my data…").click()
    dialog = page.get_by_role("dialog", name="Export my data")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Start export").click()
    expect(dialog.get_by_text("Your export is ready")).to_be_visible(timeout=60_000)
    assert check_accessibility(page) == []
    screenshot(page, "export-my-data")
    with page.expect_download() as caught:
        dialog.get_by_role("button", name="Download the zip").click()
    download = caught.value
    assert download.suggested_filename.startswith("spark-tutor-export-")
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    assert "tasks.json" in archive.namelist()
    [original] = [n for n in archive.namelist() if n.startswith("files/")]
    assert original.endswith("/osmosis.md") and archive.read(original) == NOTE
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_deleting_the_account_needs_the_password_and_a_confirmation(
    page: Page, live_server: str, page_problems: PageProblems
) -> None:
    account = create_account(live_server)
    ingest_note(live_server, account, "osmosis.md", NOTE)
    sign_in(page, account)
    open_menu(page)
    page.get_by_role("button", name="Delete my account…").click()
    dialog = page.get_by_role("dialog", name="Delete my account")
    preview = dialog.get_by_role("list", name="What will be deleted")
    expect(preview).to_contain_text(f"1 document ({len(NOTE)} B)")
    expect(preview).to_contain_text("0 flashcards")
    delete = dialog.get_by_role("button", name="Delete my account")
    expect(delete).to_be_disabled()
    dialog.get_by_label("I understand that this cannot be undone.").check()
    assert check_accessibility(page) == []
    screenshot(page, "delete-my-account")

    page_problems.allow("403")  # the wrong password, below
    dialog.get_by_label("Your password").fill("not my password")
    delete.click()
    expect(dialog.get_by_role("alert")).to_contain_text("password is not right")
    dialog.get_by_label("Your password").fill(account.password)
    delete.click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your account and everything in it were deleted.")).to_be_visible()
    me = httpx.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {account.token}"})
    assert me.status_code == 401
    login = {"email": account.email, "password": account.password}
    assert httpx.post(f"{live_server}/api/v1/auth/login", json=login).status_code == 401
