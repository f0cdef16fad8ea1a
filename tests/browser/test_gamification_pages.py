"""The game in the web app: a level-up toast after answering a practice set, the notification
bell, the leaderboards with their tabs and opt-out, the game card with badges and themes, and
the events socket's replay of what a dropped connection missed."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.scripted_chat import ScriptedChatModel
from tests.test_flashcards_api import sql
from tests.test_xp_awards import give_xp
from tutor.gamification.levels import xp_for_level
from tutor.gamification.rules import RULES
from tutor.settings import Settings

from .conftest import Account, check_accessibility, create_account, screenshot
from .pages import ingest_note, sign_in
from .test_practice_attempts_page import NOTE, saved_set


def http(live_server: str, account: Account) -> httpx.Client:
    headers = {"Authorization": f"Bearer {account.token}"}
    return httpx.Client(base_url=f"{live_server}/api/v1", headers=headers, timeout=30)


def named_account(live_server: str, name: str) -> tuple[Account, str]:
    """A new account with a display name; returns it and its user id."""
    account = create_account(live_server)
    with http(live_server, account) as api:
        me = api.patch("/me", json={"display_name": name}).raise_for_status().json()
    return account, str(me["id"])


def overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_answering_a_set_shows_a_level_up_toast_and_notifications(
    page: Page, live_server: str, chat: ScriptedChatModel, settings: Settings
) -> None:
    account, user = named_account(live_server, "Toast Tester")
    ingest_note(live_server, account, "volcanoes.md", NOTE)
    # Five XP short of level 2: the first answer right (10 XP) crosses it.
    give_xp(settings, user, xp_for_level(2) - RULES["practice_correct"].xp // 2)
    sign_in(page, account, route="#/tutor")
    saved_set(page, chat)
    set_id = page.url.rsplit("/", 1)[-1]
    with http(live_server, account) as api:
        questions = api.get(f"/practice-sets/{set_id}").json()["questions"]
    forms = page.locator("form.question")
    expect(forms).to_have_count(len(questions))
    bell = page.locator(".bell > button")
    expect(bell).to_have_accessible_name("Notifications")

    first = forms.nth(0)
    first.get_by_label(questions[0]["answer"], exact=True).check()
    first.get_by_role("button", name="Submit").click()
    expect(first.locator(".verdict")).to_have_text("✓ Correct.")
    toast = page.locator(".toast.prominent").filter(has_text="Level 2 reached!")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("You are a Novice Odyssey Seeker. +20 crystals, +10 sparks")
    expect(page.locator(".toast.small").filter(has_text="+10 XP").first).to_be_visible()
    expect(bell).to_have_accessible_name("Notifications, 1 unread")
    screenshot(page, "level-up-toast")

    # The rest answered: the set is done, and its badge is a prominent toast too.
    for index, question in enumerate(questions[1:], start=1):
        form = forms.nth(index)
        form.get_by_label(question["answer"], exact=True).check()
        form.get_by_role("button", name="Submit").click()
        expect(form.locator(".verdict")).to_have_text("✓ Correct.")
    expect(
        page.locator(".toast.prominent").filter(has_text="Badge earned: First Set")
    ).to_be_visible()
    expect(bell).to_have_accessible_name(re.compile(r"^Notifications, [2-9] unread$"))

    # The bell's list, by keyboard: both are there, unread; "Mark all as read" clears the count.
    bell.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("region", name="Notifications")
    expect(
        panel.locator(".notification.unread").filter(has_text="Level 2 reached!")
    ).to_be_visible()
    expect(panel.locator(".notification.unread").filter(has_text="First Set")).to_be_visible()
    assert check_accessibility(page) == []
    screenshot(page, "notifications")
    panel.get_by_role("button", name="Mark all as read").click()
    expect(bell).to_have_accessible_name("Notifications")
    expect(panel.locator(".notification.unread")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)
    expect(bell).to_be_focused()
    with http(live_server, account) as api:
        assert api.get("/notifications/unread-count").json()["unread"] == 0


def test_leaderboard_tabs_around_me_and_opt_out(
    page: Page, live_server: str, settings: Settings
) -> None:
    tag = uuid.uuid4().hex[:6]
    standings = [(f"Rival A {tag}", 900), (f"Rival B {tag}", 600), (f"Me {tag}", 300)]
    accounts = []
    for name, xp in standings:
        account, user = named_account(live_server, name)
        give_xp(settings, user, xp)
        with http(live_server, account) as api:  # writes the new totals to built boards
            api.patch("/gamification/me", json={"leaderboard_opt_out": False}).raise_for_status()
        accounts.append(account)
    mine = f"Me {tag}"
    sign_in(page, accounts[-1], "#/leaderboards")

    tabs = page.get_by_role("tablist", name="Period").get_by_role("tab")
    expect(tabs).to_have_text(["Today", "Week", "Month", "All time"])
    week = page.get_by_role("tab", name="Week")
    expect(week).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="Week")
    top = panel.get_by_test_id("top-board")
    ours = top.locator("tbody tr").filter(has_text=tag)
    expect(ours.locator("th")).to_have_text([f"Rival A {tag}", f"Rival B {tag}", f"{mine} You"])
    expect(ours.last).to_have_attribute("aria-current", "true")
    expect(panel.get_by_test_id("standing")).to_have_text(
        re.compile(r"^You are #\d+ with 300 XP this week\.$")
    )
    around = panel.get_by_test_id("around-board")
    expect(around.locator("tr.me th")).to_have_text(f"{mine} You")

    # Arrow keys, Home and End move between the tabs and choose them.
    week.focus()
    page.keyboard.press("ArrowRight")
    month = page.get_by_role("tab", name="Month")
    expect(month).to_be_focused()
    expect(month).to_have_attribute("aria-selected", "true")
    expect(week).to_have_attribute("aria-selected", "false")
    expect(page.get_by_test_id("standing")).to_contain_text("300 XP this month")
    page.keyboard.press("End")
    expect(page.get_by_role("tab", name="All time")).to_be_focused()
    expect(page.get_by_test_id("standing")).to_contain_text("300 XP in all")
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="Today")).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel", name="Today")
    expect(panel.get_by_test_id("standing")).to_contain_text("300 XP today")
    assert check_accessibility(page) == []
    screenshot(page, "leaderboards")

    # Opted out: off the board (top and around), but told where they would stand.
    panel.get_by_label("Hide me from the leaderboards").check()
    expect(panel.get_by_test_id("standing")).to_have_text(
        re.compile(
            r"^You are hidden from the leaderboards\. With 300 XP today you would be #\d+\.$"
        )
    )
    expect(
        panel.get_by_test_id("top-board").locator("tbody tr").filter(has_text=tag)
    ).to_have_count(2)
    expect(panel.get_by_test_id("top-board")).not_to_contain_text(mine)
    expect(panel.get_by_test_id("around-board")).to_have_count(0)
    screenshot(page, "leaderboards-opted-out")
    with http(live_server, accounts[0]) as api:
        seen = api.get("/leaderboards", params={"period": "day"}).json()
    assert mine not in [row["display_name"] for row in seen["top"]]
    page.reload()
    expect(page.get_by_label("Hide me from the leaderboards")).to_be_checked()
    page.get_by_label("Hide me from the leaderboards").uncheck()
    expect(page.get_by_test_id("top-board")).to_contain_text(mine)

    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.get_by_test_id("top-board")).to_be_visible()
    assert overflow(page) <= 0
    screenshot(page, "leaderboards-375")


def test_game_card_badges_freeze_and_theme(
    page: Page, live_server: str, settings: Settings
) -> None:
    account, user = named_account(live_server, "Card Tester")
    give_xp(settings, user, xp_for_level(5) + 40)
    sql(
        settings,
        "UPDATE game_profiles SET crystals = 120, sparks = 120 WHERE user_id = %(u)s",
        {"u": user},
    )
    sql(
        settings,
        "INSERT INTO user_badges (user_id, badge, earned_at) VALUES (%(u)s, 'first-set', now())",
        {"u": user},
    )
    sign_in(page, account, "#/achievements")

    card = page.get_by_test_id("profile-card")
    expect(card.get_by_test_id("level")).to_have_text("5")
    expect(card.get_by_role("heading", name="Rising Spark Wielder")).to_be_visible()
    bar = card.get_by_role("progressbar", name=re.compile("XP to level 6"))
    expect(bar).to_have_attribute("value", "40")
    expect(bar).to_have_attribute("max", str(xp_for_level(6) - xp_for_level(5)))
    expect(card.get_by_test_id("crystals")).to_contain_text("120")
    expect(card.get_by_test_id("freezes")).to_contain_text("0 of 2")

    # A streak freeze, bought by keyboard: sparks go down, freezes up.
    buy = card.get_by_role("button", name="Buy a streak freeze (50 sparks)")
    buy.focus()
    page.keyboard.press("Enter")
    expect(card.get_by_role("status")).to_have_text("Bought a streak freeze: you hold 1 of 2.")
    expect(card.get_by_test_id("sparks")).to_contain_text("70")
    expect(card.get_by_test_id("freezes")).to_contain_text("1 of 2")

    # A theme unlocked with crystals is put on the card at once; a dearer one cannot be bought.
    page.get_by_role("button", name="Unlock Ocean for 50 crystals").click()
    expect(page.get_by_role("status").filter(has_text="Unlocked Ocean")).to_be_visible()
    expect(card).to_have_class(re.compile(r"\btheme-ocean\b"))
    expect(card.get_by_test_id("crystals")).to_contain_text("70")
    expect(page.get_by_role("button", name="Unlock Sunset for 100 crystals")).to_be_disabled()
    page.get_by_role("button", name="Use Classic").click()
    expect(card).to_have_class(re.compile(r"\btheme-classic\b"))

    earned = page.get_by_role("list", name="Earned")
    locked = page.get_by_role("list", name="Still to earn")
    expect(earned.locator(".badge-name")).to_have_text([re.compile("^First Set")])
    expect(locked.locator(".badge-item")).not_to_have_count(0)
    expect(page.get_by_test_id("badge-count")).to_have_text(re.compile(r"^1 of \d+ earned$"))
    expect(
        locked.get_by_role("progressbar", name="Progress to Practice Makes Progress: 0 of 10")
    ).to_be_visible()
    with http(live_server, account) as api:
        badges: list[dict[str, Any]] = api.get("/gamification/badges").json()
    expect(locked.locator(".badge-item")).to_have_count(len(badges) - 1)
    assert check_accessibility(page) == []
    screenshot(page, "achievements")

    page.set_viewport_size({"width": 375, "height": 812})
    expect(card).to_be_visible()
    assert overflow(page) <= 0
    screenshot(page, "achievements-375")


def test_a_dropped_events_socket_replays_what_it_missed_once(
    page: Page, live_server: str, settings: Settings
) -> None:
    account, user = named_account(live_server, "Replay Tester")
    with http(live_server, account) as api:
        deck = api.post("/decks", json={"name": "Rocks"}).raise_for_status().json()
        note = {"kind": "basic", "front": "What is basalt?", "back": "A volcanic rock"}
        made = api.post(f"/decks/{deck['id']}/notes", json=note).raise_for_status().json()
    give_xp(settings, user, xp_for_level(2) - RULES["review"].xp)
    sockets: list[WebSocketRoute] = []
    delivered: list[str] = []  # the ids of the events the first socket brought

    def route(socket: WebSocketRoute) -> None:
        """The first socket relays (recording ids); the second waits for the test to connect it."""
        sockets.append(socket)
        if len(sockets) > 1:
            return
        server = socket.connect_to_server()

        def relay(message: str | bytes) -> None:
            delivered.append(json.loads(message)["id"])
            socket.send(message)

        server.on_message(relay)

    page.route_web_socket("**/api/v1/events?*", route)
    sign_in(page, account, "#/achievements")
    expect(page.get_by_test_id("level")).to_have_text("1")
    wait_until(page, lambda: bool(delivered))
    last_seen = delivered[-1]
    sockets[0].close(code=1012, reason="test: server restarting")
    wait_until(page, lambda: len(sockets) == 2)
    assert parse_qs(urlsplit(sockets[1].url).query)["last_event_id"] == [last_seen]

    # Earned while the page had no socket to the server: a level-up, saved as a notification.
    with http(live_server, account) as api:
        body = {"review_id": str(uuid.uuid4()), "rating": 3, "duration_ms": 4200}
        api.post(f"/cards/{made['cards'][0]['id']}/reviews", json=body).raise_for_status()
    expect(page.locator(".toast")).to_have_count(0)
    sockets[1].connect_to_server()
    expect(page.locator(".toast.prominent").filter(has_text="Level 2 reached!")).to_be_visible()
    expect(page.get_by_test_id("level")).to_have_text("2")
    page.wait_for_timeout(1500)  # a second copy of the replay would have come by now
    expect(page.locator(".toast.prominent")).to_have_count(1)


def wait_until(page: Page, condition: Callable[[], bool], timeout_s: float = 15) -> None:
    """Let the page run until `condition` (of what its routes recorded) holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        page.wait_for_timeout(50)
