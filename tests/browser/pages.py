"""Steps the browser tests share: signing a page in, uploading, waiting for documents."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from .conftest import Account

TOKEN_KEY = "spark.token"  # api/static/app/api.js keeps the session here


def ingest_note(base_url: str, account: Account, filename: str, content: bytes) -> None:
    """Upload a note over HTTP and wait until it is ready (for tests not about uploading)."""
    headers = {"Authorization": f"Bearer {account.token}"}
    with httpx.Client(base_url=f"{base_url}/api/v1", headers=headers, timeout=30) as http:
        document = http.post("/documents", files={"file": (filename, content)}).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if http.get(f"/documents/{document['id']}").json()["status"] == "ready":
                return
            time.sleep(0.1)
    raise AssertionError(f"{filename} was not ready within 60 s")


def sign_in(page: Page, account: Account, route: str = "#/documents") -> None:
    """Open the app already signed in as `account` (the sign-in form has its own test)."""
    store = f"localStorage.setItem({json.dumps(TOKEN_KEY)}, {json.dumps(account.token)})"
    page.add_init_script(f"if (location.protocol.startsWith('http')) {store};")
    page.goto("about:blank")  # a new document, so the init script runs even on the same URL
    page.goto(f"/{route}")
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()


def upload(page: Page, *files: Path) -> None:
    """Choose files in the documents page's file picker."""
    page.goto("/#/documents")
    page.get_by_label("Choose files").set_input_files([str(f) for f in files])


def document_row(page: Page, filename: str) -> Locator:
    """The documents-list entry of `filename`."""
    return page.locator("li.document").filter(has=page.locator(".doc-name", has_text=filename))


def wait_status(page: Page, filename: str, status: str, timeout_s: float = 120) -> None:
    """Wait until the document's row shows `status` (live, from the events socket)."""
    expect(document_row(page, filename)).to_have_attribute(
        "data-status", status, timeout=timeout_s * 1000
    )


def visible_text(page: Page, selector: str) -> str:
    """The text of the last element matching `selector`, whitespace collapsed."""
    return re.sub(r"\s+", " ", page.locator(selector).last.inner_text()).strip()


def choose_mode(page: Page, name: str) -> None:
    """Pick the tutor's mode (Answer, Hint, Explain, Practice) by its visible pill."""
    page.locator("label.mode", has_text=name).click()
    expect(page.get_by_role("radio", name=name)).to_be_checked()


# Every status each document row showed, recorded by a MutationObserver so that a status that
# came and went between two polls of a test is still seen.
RECORD_STATUSES = """() => {
  window.seenStatuses = [];
  const record = () => document.querySelectorAll('li.document').forEach((li) => {
    const entry = li.querySelector('.doc-name').textContent + '=' + li.dataset.status;
    if (window.seenStatuses.at(-1) !== entry) window.seenStatuses.push(entry);
  });
  const watch = {subtree: true, childList: true, attributes: true};
  new MutationObserver(record).observe(document.body, watch);
}"""


def record_statuses(page: Page) -> None:
    """Start recording the statuses document rows show (until the page navigates away)."""
    page.evaluate(RECORD_STATUSES)


def seen_statuses(page: Page, filename: str) -> list[str]:
    """The statuses `filename`'s row showed since `record_statuses`, in order, repeats merged."""
    seen: list[str] = page.evaluate("window.seenStatuses")
    statuses = [entry.split("=", 1)[1] for entry in seen if entry.startswith(filename + "=")]
    return [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
