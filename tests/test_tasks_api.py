"""Tasks over HTTP on the real stack: CRUD, validation, idempotency, completing and reopening
with the learning record, views and stats in the student's zone, the calendar feed, isolation."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.conftest import register, upload
from tutor.resources import database_url
from tutor.settings import Settings

TASKS = "/api/v1/tasks"
ZONE = "Pacific/Auckland"  # far from UTC, so a UTC "today" would show in the wrong views


def sql(settings: Settings, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement in its own committed transaction; its rows (if it returns any)."""
    with psycopg.connect(database_url(settings)) as conn:
        cur = conn.execute(query, params or {})
        return cur.fetchall() if cur.description else []


def user_id(client: TestClient, headers: dict[str, str]) -> UUID:
    return UUID(client.get("/api/v1/me", headers=headers).json()["id"])


def in_zone(client: TestClient, zone: str = ZONE) -> dict[str, str]:
    headers = register(client)
    response = client.patch("/api/v1/me", json={"timezone": zone}, headers=headers)
    assert response.status_code == 200, response.text
    return headers


def new_task(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "Read chapter 3", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def view(client: TestClient, headers: dict[str, str], name: str, **params: Any) -> list[str]:
    response = client.get(TASKS, params={"view": name, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


def local_today(zone: str = ZONE) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def test_create_read_update_delete(client):
    headers = register(client)
    task = new_task(
        client,
        headers,
        notes="Sections 3.1-3.4",
        subject=" Biology ",
        due_date="2027-01-15",
        priority="high",
    )
    assert task["status"] == "open" and task["completed_at"] is None
    assert task["subject"] == "Biology" and task["priority"] == "high"
    assert task["due_date"] == "2027-01-15" and task["due_at"] is None
    assert task["recurrence"] is None and task["overdue"] is False
    got = client.get(f"{TASKS}/{task['id']}", headers=headers)
    assert got.status_code == 200 and got.json() == task

    due_at = "2027-01-16T09:30:00+01:00"
    patched = client.patch(
        f"{TASKS}/{task['id']}", json={"title": "Read ch. 3", "due_at": due_at}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["title"] == "Read ch. 3" and body["notes"] == "Sections 3.1-3.4"
    # Setting a due time replaces the due day.
    assert body["due_date"] is None
    assert datetime.fromisoformat(body["due_at"]) == datetime.fromisoformat(due_at)
    cleared = client.patch(f"{TASKS}/{task['id']}", json={"due_at": None}, headers=headers).json()
    assert cleared["due_at"] is None and cleared["due_date"] is None

    assert client.delete(f"{TASKS}/{task['id']}", headers=headers).status_code == 204
    assert client.get(f"{TASKS}/{task['id']}", headers=headers).status_code == 404
    assert client.delete(f"{TASKS}/{task['id']}", headers=headers).status_code == 404


INVALID = [
    {"title": "x", "due_date": "2027-01-01", "due_at": "2027-01-01T10:00:00Z"},
    {"title": "x", "priority": "urgent"},
    {"title": "x", "due_date": "2027-01-01", "recurrence": {"kind": "weekly", "weekdays": ["mo"]}},
    {"title": "x", "due_date": "2027-01-01", "recurrence": {"kind": "weekly", "weekdays": []}},
    {"title": "x", "due_date": "2027-01-01", "recurrence": {"kind": "daily", "interval": 3}},
    {"title": "x", "due_date": "2027-01-01", "recurrence": {"kind": "every_n_days", "interval": 0}},
    {"title": "x", "due_date": "2027-01-01", "recurrence": {"kind": "hourly"}},
    {"title": "x", "recurrence": {"kind": "daily"}},  # nothing to repeat from
    {"title": "x", "due_at": "2027-01-01T10:00:00"},  # no offset: whose 10:00?
    {"title": "   "},
    {"title": "x" * 201},
    {"notes": "no title"},
    {"title": "x", "due_date": "2027-02-30"},
]


@pytest.mark.parametrize("body", INVALID)
def test_invalid_tasks_are_refused_with_the_standard_envelope(client, body):
    headers = register(client)
    response = client.post(TASKS, json=body, headers=headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["details"]
    assert view(client, headers, "open") == []


def test_invalid_edits_are_refused_and_change_nothing(client):
    headers = register(client)
    task = new_task(client, headers)
    path = f"{TASKS}/{task['id']}"
    for body in (
        {"title": None},
        {"priority": "urgent"},
        {"due_date": "2027-01-01", "due_at": "2027-01-01T10:00:00Z"},
        {"recurrence": {"kind": "weekly", "weekdays": ["fri", "caturday"]}},
    ):
        response = client.patch(path, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    # Valid on its own, but the task has no due to repeat from: the domain refuses it.
    response = client.patch(path, json={"recurrence": {"kind": "daily"}}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert client.get(path, headers=headers).json() == task


def test_an_idempotency_key_makes_a_retried_post_return_the_same_task(client):
    headers = register(client)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"title": "Essay outline", "due_date": "2027-03-01"}
    first = client.post(TASKS, json=body, headers={**headers, **key})
    again = client.post(TASKS, json=body, headers={**headers, **key})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert view(client, headers, "open") == [first.json()["id"]]

    other_body = client.post(TASKS, json={"title": "Other"}, headers={**headers, **key})
    assert other_body.status_code == 409
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    # Keys are per user: another student's same key is their own new task.
    stranger = register(client)
    theirs = client.post(TASKS, json=body, headers={**stranger, **key})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    # Without a key, every POST is a new task.
    assert new_task(client, headers, **body)["id"] != first.json()["id"]


def test_concurrent_retries_with_one_key_create_one_task(client):
    headers = {**register(client), "Idempotency-Key": "retry-storm"}

    def post(_: int) -> tuple[int, str]:
        response = client.post(TASKS, json={"title": "Once"}, headers=headers)
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(post, range(6)))
    assert sorted(code for code, _ in results) == [200] * 5 + [201]
    assert len({task_id for _, task_id in results}) == 1


def task_events(settings: Settings, task_id: str) -> list[tuple]:
    return sql(
        settings,
        "SELECT occurred_at, detail FROM study_events WHERE kind = 'task_done' AND source_key = %s",
        (task_id,),
    )


def test_completing_records_the_event_once_and_reopening_retracts_it(client, settings):
    headers = in_zone(client)
    due = local_today() + timedelta(days=1)
    task = new_task(client, headers, due_date=due.isoformat())
    path = f"{TASKS}/{task['id']}"
    done = client.post(f"{path}/complete", headers=headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "done" and body["completed_at"] and body["next_id"] is None
    again = client.post(f"{path}/complete", headers=headers).json()
    assert again["completed_at"] == body["completed_at"]  # unchanged by the retry
    [(occurred_at, detail)] = task_events(settings, task["id"])
    assert occurred_at == datetime.fromisoformat(body["completed_at"])
    assert detail == {"on_time": True, "due": True}

    reopened = client.post(f"{path}/reopen", headers=headers)
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open" and reopened.json()["completed_at"] is None
    assert task_events(settings, task["id"]) == []
    assert client.post(f"{path}/reopen", headers=headers).json()["status"] == "open"


def test_a_late_completion_is_recorded_as_late(client, settings):
    headers = in_zone(client)
    late = new_task(client, headers, due_date=(local_today() - timedelta(days=2)).isoformat())
    timed = new_task(client, headers, due_at=iso(datetime.now(UTC) - timedelta(minutes=5)))
    for task in (late, timed):
        client.post(f"{TASKS}/{task['id']}/complete", headers=headers)
        [(_, detail)] = task_events(settings, task["id"])
        assert detail == {"on_time": False, "due": True}


def test_completing_a_repeating_task_twice_creates_one_next_instance(client, settings):
    headers = in_zone(client)
    today = local_today()
    task = new_task(
        client,
        headers,
        due_date=today.isoformat(),
        subject="Maths",
        recurrence={"kind": "every_n_days", "interval": 3},
    )
    path = f"{TASKS}/{task['id']}"
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: client.post(f"{path}/complete", headers=headers), range(4))
        )
    assert {r.status_code for r in results} == {200}
    next_ids = {r.json()["next_id"] for r in results}
    assert len(next_ids) == 1 and None not in next_ids
    [next_id] = next_ids
    following = client.get(f"{TASKS}/{next_id}", headers=headers).json()
    assert following["due_date"] == (today + timedelta(days=3)).isoformat()
    assert following["previous_id"] == task["id"] and following["status"] == "open"
    assert following["subject"] == "Maths"
    assert following["recurrence"] == {"kind": "every_n_days", "interval": 3, "weekdays": []}
    assert len(task_events(settings, task["id"])) == 1
    # Reopened and completed again: still that one next instance.
    client.post(f"{path}/reopen", headers=headers)
    assert client.post(f"{path}/complete", headers=headers).json()["next_id"] == next_id
    assert view(client, headers, "open") == [next_id]
    assert len(task_events(settings, task["id"])) == 1


def test_a_weekly_timed_task_keeps_its_local_time_across_dst(client):
    paris = ZoneInfo("Europe/Paris")
    headers = in_zone(client, "Europe/Paris")
    # Friday 26 March 2027, 18:00 CET; clocks go forward on Sunday the 28th.
    due_at = datetime(2027, 3, 26, 18, 0, tzinfo=paris)
    task = new_task(
        client,
        headers,
        due_at=due_at.isoformat(),
        recurrence={"kind": "weekly", "weekdays": ["mon", "fri"]},
    )
    assert task["recurrence"] == {"kind": "weekly", "interval": 1, "weekdays": ["mon", "fri"]}
    next_id = client.post(f"{TASKS}/{task['id']}/complete", headers=headers).json()["next_id"]
    following = client.get(f"{TASKS}/{next_id}", headers=headers).json()
    at = datetime.fromisoformat(following["due_at"])
    assert at == datetime(2027, 3, 29, 16, 0, tzinfo=UTC)  # Monday 18:00 CEST
    assert at.astimezone(paris).time() == time(18, 0)
    assert datetime.fromisoformat(task["due_at"]) == datetime(2027, 3, 26, 17, 0, tzinfo=UTC)


def test_views_follow_the_students_own_day(client):
    headers = in_zone(client)
    zone, today = ZoneInfo(ZONE), local_today()
    now = datetime.now(UTC)
    tomorrow_start = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    yesterday = new_task(client, headers, title="yesterday", due_date=str(today - timedelta(1)))
    hour_ago = new_task(client, headers, title="hour ago", due_at=iso(now - timedelta(hours=1)))
    today_task = new_task(client, headers, title="today", due_date=str(today))
    in_three = new_task(client, headers, title="in 3 days", due_date=str(today + timedelta(3)))
    tomorrow_late = new_task(
        client, headers, title="tomorrow 1am", due_at=iso(tomorrow_start + timedelta(hours=1))
    )
    in_seven = new_task(client, headers, title="in 7 days", due_date=str(today + timedelta(7)))
    in_eight = new_task(client, headers, title="in 8 days", due_date=str(today + timedelta(8)))
    undated = new_task(client, headers, title="someday")
    done = new_task(client, headers, title="done", due_date=str(today - timedelta(5)))
    client.post(f"{TASKS}/{done['id']}/complete", headers=headers)

    ids = lambda *tasks: [t["id"] for t in tasks]  # noqa: E731
    assert view(client, headers, "overdue") == ids(yesterday, hour_ago)
    # By due; an all-day task counts as due at its local midnight.
    midnight = datetime.combine(today, time(0), tzinfo=zone)
    due_today = sorted([(midnight, today_task["id"]), (now - timedelta(hours=1), hour_ago["id"])])
    assert view(client, headers, "today") == [yesterday["id"]] + [i for _, i in due_today]
    assert view(client, headers, "upcoming") == ids(tomorrow_late, in_three, in_seven)
    assert view(client, headers, "open") == [
        yesterday["id"],
        *(i for _, i in due_today),
        *ids(tomorrow_late, in_three, in_seven, in_eight, undated),
    ]
    assert view(client, headers, "done") == ids(done)
    flags = {t["title"]: t["overdue"] for t in client.get(TASKS, headers=headers).json()["items"]}
    assert flags == {
        "yesterday": True,
        "hour ago": True,
        "today": False,
        "tomorrow 1am": False,
        "in 3 days": False,
        "in 7 days": False,
        "in 8 days": False,
        "someday": False,
    }
    assert client.get(f"{TASKS}/{done['id']}", headers=headers).json()["overdue"] is False
    bad = client.get(TASKS, params={"view": "later"}, headers=headers)
    assert bad.status_code == 422


def walk(client: TestClient, headers: dict[str, str], name: str, limit: int) -> list[str]:
    found: list[str] = []
    cursor = None
    for _ in range(20):
        params = {"view": name, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.get(TASKS, params=params, headers=headers).json()
        assert len(page["items"]) <= limit
        found += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("never reached the last page")


def test_views_page_by_cursor(client):
    headers = in_zone(client)
    today = local_today()
    # Two tasks share each due day: the id breaks the tie, and no page repeats or skips one.
    for offset in (-2, -2, 0, 0, 1):
        new_task(client, headers, due_date=str(today + timedelta(offset)))
    for _ in range(3):
        new_task(client, headers)
    finished = [new_task(client, headers)["id"] for _ in range(5)]
    for task_id in finished:
        client.post(f"{TASKS}/{task_id}/complete", headers=headers)
    for name in ("open", "today", "overdue", "upcoming", "done"):
        everything = view(client, headers, name, limit=100)
        for limit in (1, 2, 3):
            assert walk(client, headers, name, limit) == everything, (name, limit)
    assert len(view(client, headers, "open", limit=100)) == 8
    assert view(client, headers, "done", limit=100) == list(reversed(finished))
    bad = client.get(TASKS, params={"cursor": "not a cursor!"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"


def test_stats_count_this_local_week(client):
    headers = in_zone(client)
    today = local_today()
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    empty = client.get(f"{TASKS}/stats", headers=headers).json()
    assert empty == {
        "total": 0,
        "done": 0,
        "open": 0,
        "overdue": 0,
        "done_this_week": 0,
        "open_due_this_week": 0,
        "completion_rate": None,
    }
    new_task(client, headers, due_date=str(sunday))  # open, due this week
    new_task(client, headers, due_date=str(monday - timedelta(days=1)))  # overdue, last week
    new_task(client, headers)  # undated
    for due in (monday, sunday + timedelta(days=1)):  # done this week, whatever the due
        task = new_task(client, headers, due_date=str(due))
        client.post(f"{TASKS}/{task['id']}/complete", headers=headers)
    stats = client.get(f"{TASKS}/stats", headers=headers).json()
    assert stats["total"] == 5 and stats["done"] == 2 and stats["open"] == 3
    assert stats["overdue"] == 1
    assert stats["done_this_week"] == 2 and stats["open_due_this_week"] == 1
    assert stats["completion_rate"] == pytest.approx(2 / 3)


def insert_deck(settings: Settings, owner: UUID) -> UUID:
    deck_id = uuid.uuid4()
    sql(
        settings,
        "INSERT INTO decks (id, user_id, name) VALUES (%(id)s, %(owner)s, 'Cells')",
        {"id": deck_id, "owner": owner},
    )
    return deck_id


def insert_practice_set(settings: Settings, owner: UUID) -> UUID:
    set_id = uuid.uuid4()
    sql(
        settings,
        """INSERT INTO practice_sets (id, owner_id, topic, requested, prompt_name,
                                      prompt_version, model_id)
           VALUES (%(id)s, %(owner)s, 'cells', 1, 'practice', 1, 'scripted')""",
        {"id": set_id, "owner": owner},
    )
    return set_id


def links_of(client: TestClient, settings: Settings, headers: dict[str, str]) -> dict[str, str]:
    owner = user_id(client, headers)
    document = upload(client, headers, "links.txt", f"notes {uuid.uuid4()}".encode()).json()
    return {
        "document_id": document["id"],
        "deck_id": str(insert_deck(settings, owner)),
        "practice_set_id": str(insert_practice_set(settings, owner)),
    }


def test_links_to_ones_own_items_and_never_to_anothers(client, settings):
    headers, stranger = register(client), register(client)
    mine, theirs = links_of(client, settings, headers), links_of(client, settings, stranger)
    linked = new_task(client, headers, **mine)
    assert {name: linked[name] for name in mine} == mine
    plain = new_task(client, headers)
    codes = {
        "document_id": "document_not_found",
        "deck_id": "deck_not_found",
        "practice_set_id": "practice_set_not_found",
    }
    for name, foreign in theirs.items():
        created = client.post(TASKS, json={"title": "x", name: foreign}, headers=headers)
        assert created.status_code == 404 and created.json()["error"]["code"] == codes[name]
        edited = client.patch(f"{TASKS}/{plain['id']}", json={name: foreign}, headers=headers)
        assert edited.status_code == 404 and edited.json()["error"]["code"] == codes[name]
        unknown = client.post(TASKS, json={"title": "x", name: str(uuid.uuid4())}, headers=headers)
        assert unknown.status_code == 404
    assert client.get(f"{TASKS}/{plain['id']}", headers=headers).json() == plain
    assert sorted(view(client, headers, "open")) == sorted([linked["id"], plain["id"]])
    # A deleted document unlinks its tasks.
    client.delete(f"/api/v1/documents/{mine['document_id']}", headers=headers)
    assert client.get(f"{TASKS}/{linked['id']}", headers=headers).json()["document_id"] is None


def test_another_users_tasks_are_not_found_anywhere(client):
    owner, stranger = register(client), register(client)
    task = new_task(client, owner, due_date=str(local_today("UTC")))
    done = new_task(client, owner)
    client.post(f"{TASKS}/{done['id']}/complete", headers=owner)
    path = f"{TASKS}/{task['id']}"
    attempts = [
        client.get(path, headers=stranger),
        client.patch(path, json={"title": "mine now"}, headers=stranger),
        client.post(f"{path}/complete", headers=stranger),
        client.post(f"{TASKS}/{done['id']}/reopen", headers=stranger),
        client.delete(path, headers=stranger),
    ]
    for response in attempts:
        assert response.status_code == 404, response.request.url
        assert response.json()["error"]["code"] == "task_not_found"
    for name in ("today", "overdue", "upcoming", "open", "done"):
        assert view(client, stranger, name) == []
    assert client.get(f"{TASKS}/stats", headers=stranger).json()["total"] == 0
    assert client.get(path, headers=owner).json() == task
    assert client.get(f"{TASKS}/{done['id']}", headers=owner).json()["status"] == "done"
    assert client.get(TASKS, headers={}).status_code == 401


def calendar(client: TestClient, url: str) -> Calendar:
    response = client.get(url)  # no bearer token: the URL is the credential
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_the_calendar_feed_carries_open_tasks_until_revoked(client):
    headers, stranger = in_zone(client), register(client)
    assert client.get(f"{TASKS}/calendar-feed", headers=headers).json() == {
        "active": False,
        "created_at": None,
    }
    all_day = new_task(
        client,
        headers,
        title="Essay, draft; v2",
        due_date="2027-01-15",
        notes="Intro and outline",
        subject="History",
        priority="high",
    )
    timed = new_task(client, headers, title="Lab report", due_at="2027-01-16T09:30:00+13:00")
    undated = new_task(client, headers, title="Someday")
    done = new_task(client, headers, title="Finished", due_date="2027-01-10")
    client.post(f"{TASKS}/{done['id']}/complete", headers=headers)
    new_task(client, stranger, title="Not yours", due_date="2027-01-15")

    created = client.post(f"{TASKS}/calendar-feed", headers=headers)
    assert created.status_code == 201
    url = created.json()["url"]
    assert url.startswith("http") and url.endswith(".ics") and "/api/v1/calendar/" in url
    status = client.get(f"{TASKS}/calendar-feed", headers=headers).json()
    assert status["active"] is True and status["created_at"]

    feed = calendar(client, url)
    events = {str(e["summary"]): e for e in feed.walk("VEVENT")}
    todos = {str(t["summary"]): t for t in feed.walk("VTODO")}
    assert set(events) == {"Essay, draft; v2", "Lab report"} and set(todos) == {"Someday"}
    essay = events["Essay, draft; v2"]
    assert essay.decoded("dtstart") == date(2027, 1, 15)
    assert essay.decoded("dtend") == date(2027, 1, 16)
    assert str(essay["description"]) == "Intro and outline"
    assert str(essay["uid"]) == f"{all_day['id']}@spark-tutor"
    assert int(essay["priority"]) == 1
    assert essay["categories"].cats == ["History"]
    lab = events["Lab report"]
    assert lab.decoded("dtstart") == datetime(2027, 1, 15, 20, 30, tzinfo=UTC)
    assert str(lab["uid"]) == f"{timed['id']}@spark-tutor"
    assert str(todos["Someday"]["uid"]) == f"{undated['id']}@spark-tutor"

    rotated = client.post(f"{TASKS}/calendar-feed", headers=headers).json()["url"]
    assert rotated != url
    assert client.get(url).status_code == 404
    assert len(list(calendar(client, rotated).walk("VEVENT"))) == 2

    assert client.delete(f"{TASKS}/calendar-feed", headers=headers).status_code == 204
    gone = client.get(rotated)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "calendar_feed_not_found"
    assert client.get(f"{TASKS}/calendar-feed", headers=headers).json()["active"] is False
    assert client.delete(f"{TASKS}/calendar-feed", headers=headers).status_code == 204
    assert client.get("/api/v1/calendar/made-up-token.ics").status_code == 404


def test_only_a_hash_of_the_feed_token_is_stored(client, settings):
    headers = register(client)
    url = client.post(f"{TASKS}/calendar-feed", headers=headers).json()["url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 40
    [(stored,)] = sql(
        settings,
        "SELECT token_sha256 FROM calendar_feeds WHERE user_id = %(id)s",
        {"id": user_id(client, headers)},
    )
    assert token not in stored and len(stored) == 64


def test_a_new_due_is_reminded_of_again(client, settings):
    headers = register(client)
    task = new_task(client, headers, due_at=iso(datetime.now(UTC) + timedelta(days=3)))
    marked = "UPDATE tasks SET reminded_at = now() WHERE id = %(id)s"
    reminded = "SELECT reminded_at IS NOT NULL FROM tasks WHERE id = %(id)s"
    sql(settings, marked, {"id": task["id"]})
    client.patch(f"{TASKS}/{task['id']}", json={"title": "Renamed"}, headers=headers)
    assert sql(settings, reminded, {"id": task["id"]}) == [(True,)]
    client.patch(f"{TASKS}/{task['id']}", json={"due_date": "2027-05-01"}, headers=headers)
    assert sql(settings, reminded, {"id": task["id"]}) == [(False,)]
