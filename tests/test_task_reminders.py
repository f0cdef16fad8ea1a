"""Due-soon reminders: which tasks are claimed, claimed once even by concurrent runs, and the
real worker's cron job sending exactly one `task.due_soon` on the owner's events socket."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from psycopg import AsyncConnection

from tests.conftest import register
from tutor.resources import database_url
from tutor.settings import Settings
from tutor.study.task_reminders import claim_reminders

TASKS = "/api/v1/tasks"
WINDOW = timedelta(minutes=60)
# A moment no other test plans for: 12:00 in Auckland, 01:00 in London.
NOW = datetime(2031, 6, 10, 0, 0, tzinfo=UTC)


def in_zone(client: TestClient, zone: str) -> dict[str, str]:
    headers = register(client)
    assert client.patch("/api/v1/me", json={"timezone": zone}, headers=headers).status_code == 200
    return headers


def new_task(client: TestClient, headers: dict[str, str], title: str, **due: Any) -> str:
    response = client.post(TASKS, json={"title": title, **due}, headers=headers)
    assert response.status_code == 201, response.text
    task_id: str = response.json()["id"]
    return task_id


def claimed_titles(settings: Settings, now: datetime, mine: set[str]) -> list[str]:
    async def claim() -> list[str]:
        async with await AsyncConnection.connect(database_url(settings)) as conn:
            return [r.title for r in await claim_reminders(conn, now, WINDOW) if r.title in mine]

    return sorted(asyncio.run(claim()))


def test_due_soon_means_within_the_window_or_the_morning_of_the_day(client, settings):
    auckland, london = in_zone(client, "Pacific/Auckland"), in_zone(client, "Europe/London")
    at = lambda delta: (NOW + delta).isoformat()  # noqa: E731
    new_task(client, auckland, "in 30 min", due_at=at(timedelta(minutes=30)))
    new_task(client, auckland, "in 60 min", due_at=at(WINDOW))
    new_task(client, auckland, "in 2 h", due_at=at(timedelta(hours=2)))
    new_task(client, auckland, "10 min ago", due_at=at(-timedelta(minutes=10)))
    new_task(client, auckland, "today, noon in NZ", due_date="2031-06-10")
    new_task(client, auckland, "tomorrow in NZ", due_date="2031-06-11")
    new_task(client, london, "today, 1 am in London", due_date="2031-06-10")
    done = new_task(client, auckland, "done", due_at=at(timedelta(minutes=5)))
    client.post(f"{TASKS}/{done}/complete", headers=auckland)
    mine = {"in 30 min", "in 60 min", "in 2 h", "10 min ago", "today, noon in NZ"}
    mine |= {"tomorrow in NZ", "today, 1 am in London", "done"}

    assert claimed_titles(settings, NOW, mine) == ["in 30 min", "in 60 min", "today, noon in NZ"]
    assert claimed_titles(settings, NOW, mine) == []  # once per task
    # London's morning: 08:00 BST is 07:00 UTC.
    assert claimed_titles(settings, NOW + timedelta(hours=6, minutes=59), mine) == []
    assert claimed_titles(settings, NOW + timedelta(hours=7), mine) == ["today, 1 am in London"]


def test_a_changed_due_is_claimed_again(client, settings):
    headers = in_zone(client, "UTC")
    due = (NOW + timedelta(days=30, minutes=10)).isoformat()
    task_id = new_task(client, headers, "moved", due_at=due)
    later = NOW + timedelta(days=30)
    assert claimed_titles(settings, later, {"moved"}) == ["moved"]
    moved = (NOW + timedelta(days=31, minutes=10)).isoformat()
    client.patch(f"{TASKS}/{task_id}", json={"due_at": moved}, headers=headers)
    assert claimed_titles(settings, later + timedelta(days=1), {"moved"}) == ["moved"]


def test_concurrent_runs_claim_each_task_once(client, settings):
    headers = in_zone(client, "UTC")
    base = NOW + timedelta(days=60)
    titles = {f"race {i}" for i in range(20)}
    for title in titles:
        new_task(client, headers, title, due_at=(base + timedelta(minutes=20)).isoformat())

    async def race() -> tuple[list[str], list[str], list[str]]:
        url = database_url(settings)
        async with (
            await AsyncConnection.connect(url) as first,
            await AsyncConnection.connect(url) as second,
        ):
            # The first run holds its claimed rows, uncommitted, while the second runs.
            one = await claim_reminders(first, base, WINDOW, batch=12)
            two = await claim_reminders(second, base, WINDOW)
            await first.commit()
            await second.commit()
            three = await claim_reminders(second, base, WINDOW)
        pick = lambda rows: [r.title for r in rows if r.title in titles]  # noqa: E731
        return pick(one), pick(two), pick(three)

    one, two, three = asyncio.run(race())
    assert len(one) == 12 and len(two) == 8 and three == []
    assert set(one) | set(two) == titles


def test_the_worker_sends_one_due_soon_event_per_task(client, settings):
    headers = register(client)
    due_at = datetime.now(UTC) + timedelta(minutes=10)
    with client.websocket_connect("/api/v1/events", headers=headers) as ws:
        assert ws.receive_json()["type"] == "subscribed"
        # Made once subscribed: a job run between making it and subscribing would send its one
        # reminder to nobody (seen once on a loaded CI machine).
        task_id = new_task(client, headers, "Hand in the lab report", due_at=due_at.isoformat())
        # The job runs every few seconds in the tests (every minute by default).
        every = settings.task_reminder_every_s
        reminders = collect(ws, task_id, seconds=3 * every + 5, stop_at_first=True)
        assert len(reminders) == 1, f"no task.due_soon within {3 * every + 5} s"
        event = reminders[0]
        assert event["data"] == {
            "task_id": task_id,
            "title": "Hand in the lab report",
            "due_date": None,
            "due_at": due_at.isoformat(),
            "priority": "medium",
        }
        # The next runs find the task already reminded.
        assert collect(ws, task_id, seconds=3 * every + 1) == []


def collect(ws: Any, task_id: str, seconds: float, stop_at_first: bool = False) -> list[dict]:
    """`task.due_soon` events for `task_id` seen within `seconds`: the socket's keep-alive pings
    (every 25 s) bound each blocking read, so the deadline is checked often enough."""
    deadline = time.monotonic() + seconds
    found: list[dict] = []
    while time.monotonic() < deadline:
        event = ws.receive_json()
        if event["type"] == "task.due_soon" and event["data"]["task_id"] == task_id:
            found.append(event)
            if stop_at_first:
                break
    return found
