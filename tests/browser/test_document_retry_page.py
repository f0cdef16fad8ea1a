"""A document that failed on a temporary fault is retried from the documents page."""

from __future__ import annotations

import signal
import subprocess

import psycopg
from playwright.sync_api import Page, expect

from tests.test_document_retry import CRASHED_ALREADY
from tutor.resources import database_url
from tutor.settings import Settings

from .conftest import check_accessibility, create_account, screenshot
from .pages import document_row, sign_in, wait_status

NOTE = b"# Volcanoes\n\nShield volcanoes are built by fluid basalt lava flows."
PENDING = """
SELECT j.document_id FROM ingestion_jobs j JOIN documents d ON d.id = j.document_id
WHERE d.filename = %s AND d.status = 'queued'
"""


def spend_attempts(settings: Settings, filename: str) -> None:
    """As if the worker had died on the queued document on each of its attempts."""
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        for _ in range(600):  # an upload on a loaded 2-core machine can take seconds
            row = conn.execute(PENDING, (filename,)).fetchone()
            if row:
                conn.execute(CRASHED_ALREADY, (settings.max_job_attempts, row[0]))
                return
            conn.execute("SELECT pg_sleep(0.1)")
    raise AssertionError(f"{filename} was never queued")


def test_a_crashed_document_is_retried_and_ends_ready(
    page: Page, live_server: str, settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    sign_in(page, create_account(live_server))
    worker.send_signal(signal.SIGSTOP)  # the job waits until its attempts are spent
    try:
        page.get_by_label("Choose files").set_input_files(
            [{"name": "volcanoes.md", "mimeType": "text/markdown", "buffer": NOTE}]
        )
        spend_attempts(settings, "volcanoes.md")
    finally:
        worker.send_signal(signal.SIGCONT)
    wait_status(page, "volcanoes.md", "failed")
    row = document_row(page, "volcanoes.md")
    expect(row).to_contain_text("failed on every attempt")
    assert check_accessibility(page) == []
    screenshot(page, "documents-retry")

    row.get_by_role("button", name="Retry volcanoes.md").click()
    wait_status(page, "volcanoes.md", "ready", timeout_s=60)
    expect(row.get_by_role("button", name="Retry volcanoes.md")).to_have_count(0)
    expect(page.locator("li.document")).to_have_count(1)  # the same document, not a second one
