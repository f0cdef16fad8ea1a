"""The documents page with files that fail: reasons in words, and the password retry."""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.conftest import shared_file

from .conftest import PageProblems, create_account, screenshot
from .pages import document_row, record_statuses, seen_statuses, sign_in, upload, wait_status


def test_encrypted_pdf_asks_for_its_password_and_opens_with_it(
    page: Page, live_server: str
) -> None:
    pdf = shared_file("documents/tricky/encrypted/password.pdf")
    sign_in(page, create_account(live_server))
    upload(page, pdf)
    wait_status(page, pdf.name, "failed")
    row = document_row(page, pdf.name)
    expect(row).to_contain_text("password-protected. Upload it again with its password.")

    record_statuses(page)
    row.get_by_label("Password", exact=True).fill("wrong-password")
    row.get_by_role("button", name="Open with password").click()
    # Refused again, and still asking for the password.
    expect(row.get_by_label("Password", exact=True)).to_be_visible(timeout=60_000)
    page.wait_for_function(
        "() => window.seenStatuses.length > 1 && window.seenStatuses.at(-1).endsWith('=failed')",
        timeout=60_000,
    )
    statuses = seen_statuses(page, pdf.name)
    assert "queued" in statuses and statuses[-1] == "failed", statuses  # queued again, refused

    row.get_by_label("Password", exact=True).fill("password")
    row.get_by_role("button", name="Open with password").click()
    wait_status(page, pdf.name, "ready")
    expect(page.locator("li.document")).to_have_count(1)  # the same document, not a second one


def test_image_only_pdf_says_it_needs_ocr(page: Page, live_server: str) -> None:
    pdf = shared_file("documents/tricky/image-only/ocr_test.pdf")
    sign_in(page, create_account(live_server))
    upload(page, pdf)
    wait_status(page, pdf.name, "failed")
    row = document_row(page, pdf.name)
    expect(row).to_contain_text("no text layer")
    expect(row).to_contain_text("needs OCR")
    screenshot(page, "documents-failures")


def test_refused_upload_and_filter_and_delete(
    page: Page, live_server: str, page_problems: PageProblems
) -> None:
    page_problems.allow(r"status of 400")  # the browser logs the refused empty file
    sign_in(page, create_account(live_server))
    upload(page, shared_file("documents/layout/multi_page.pdf"))
    page.get_by_label("Choose files").set_input_files(
        [{"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}]
    )
    uploads = page.get_by_role("list", name="Uploads in progress")
    expect(uploads).to_contain_text("empty.txt is empty.")
    # Over the limit (20 MB in the tests): refused before a byte is sent.
    big = {"name": "big.txt", "mimeType": "text/plain", "buffer": b"a" * (21 * 1024 * 1024)}
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_label("Choose files").set_input_files([big])
    expect(uploads).to_contain_text("big.txt is too large (21.0 MB); the limit is 20.0 MB.")
    assert not [url for url in posts if url.endswith("/api/v1/documents")]
    wait_status(page, "multi_page.pdf", "ready")

    page.get_by_label("Show").select_option("failed")
    expect(page.get_by_text("No documents with this status.")).to_be_visible()
    page.get_by_label("Show").select_option("ready")
    expect(document_row(page, "multi_page.pdf")).to_be_visible()

    row = document_row(page, "multi_page.pdf")
    row.get_by_role("button", name="Delete multi_page.pdf").click()
    row.get_by_role("button", name="Keep").click()
    expect(row).to_be_visible()
    row.get_by_role("button", name="Delete multi_page.pdf").click()
    row.get_by_role("group").get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)
    page.reload()
    expect(page.get_by_text("No documents yet")).to_be_visible()


def test_drag_and_drop_uploads_and_live_updates_survive_a_dropped_events_socket(
    page: Page, live_server: str
) -> None:
    connections: list[WebSocketRoute] = []

    def cut_the_first(socket: WebSocketRoute) -> None:
        """The first events socket is cut as soon as it opens; later ones pass through."""
        connections.append(socket)
        if len(connections) == 1:
            socket.close(code=1012, reason="test: server restarting")
        else:
            socket.connect_to_server()

    page.route_web_socket("**/api/v1/events?*", cut_the_first)
    sign_in(page, create_account(live_server))
    expect(page.get_by_role("status").filter(has_text="reconnecting")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="reconnecting")).to_be_hidden(timeout=10_000)
    assert len(connections) == 2

    note = "# Glaciers\n\nA glacier is a persistent body of dense ice that moves by its own weight."
    drop = page.evaluate_handle(
        """(text) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([text], 'glaciers.md', {type: 'text/markdown'}));
          return transfer;
        }""",
        note,
    )
    zone = page.locator(".dropzone")
    zone.dispatch_event("dragover", {"dataTransfer": drop})
    expect(zone).to_have_class(re.compile("dragging"))
    zone.dispatch_event("drop", {"dataTransfer": drop})
    wait_status(page, "glaciers.md", "ready")  # only the second socket could have said so
    expect(zone).not_to_have_class(re.compile("dragging"))
