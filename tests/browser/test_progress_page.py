"""The progress page: the streak, today's goal with the focus timer, the charts, the settings."""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import psycopg
from playwright.sync_api import Page, expect

from tutor.settings import Settings
from tutor.study.record import StudyEvent, record

from .conftest import Account, check_accessibility, create_account, screenshot
from .pages import sign_in


def user_id(base_url: str, account: Account) -> UUID:
    headers = {"Authorization": f"Bearer {account.token}"}
    me = httpx.get(f"{base_url}/api/v1/me", headers=headers).raise_for_status().json()
    return UUID(me["id"])


def seed_three_days_of_reviews(settings: Settings, owner: UUID) -> None:
    """History the API cannot make after the fact: reviews yesterday and the two days before."""

    async def seed() -> None:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            now = datetime.now(UTC)
            for back in (1, 2, 3):
                for k in range(4):
                    at = now - timedelta(days=back, minutes=k)
                    await record(conn, StudyEvent(owner, "review", uuid.uuid4().hex, at, 45))

    # Playwright's sync API runs an event loop on this thread: seed from another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, seed()).result()


def test_progress_page_shows_streak_goal_charts_and_saves_settings(
    page: Page, live_server: str, settings: Settings
) -> None:
    account = create_account(live_server)
    seed_three_days_of_reviews(settings, user_id(live_server, account))
    sign_in(page, account, "#/progress")

    expect(page.get_by_role("heading", name="Progress", level=1)).to_be_visible()
    expect(page.get_by_test_id("streak")).to_have_text("3 days")
    expect(page.get_by_text("Study today to keep it going.")).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile(r"Studied on 3 of the last 365 days"))
    ).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile(r"minutes over the last 30 days"))
    ).to_be_visible()
    expect(page.get_by_test_id("due-cards")).to_have_text("0 cards")

    timer = page.get_by_role("button", name="Start focus timer")
    timer.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("timer", name="Focus time")).to_have_text(re.compile(r"0:0[1-9]"))
    page.get_by_role("button", name="Stop focus timer").click()
    expect(page.get_by_role("button", name="Start focus timer")).to_be_visible()
    # A sitting of a few seconds is study: today now counts and the streak is four days.
    expect(page.get_by_test_id("streak")).to_have_text("4 days")
    expect(page.get_by_text("Today counts already.")).to_be_visible()

    page.get_by_label("Daily goal (minutes)").fill("45")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_label("Flashcard retention target (%)").fill("85")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"/ 45 min"))).to_be_visible()
    assert check_accessibility(page) == []
    screenshot(page, "progress")

    page.reload()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    expect(page.get_by_label("Flashcard retention target (%)")).to_have_value("85")
