"""XP awards through the API on the real stack: once per review however it is submitted,
capped against farming, taken back on undo; level-ups pay once; purchases never overspend."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import register
from tests.test_flashcards_api import API, make_deck, make_note, review, sql
from tutor.gamification.levels import xp_for_level
from tutor.gamification.rules import BURST_REVIEWS, RULES, STREAK_FREEZE_SPARKS
from tutor.settings import Settings


def me(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"{API}/gamification/me", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def user_id(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get(f"{API}/me", headers=headers).json()["id"])


def ledger(settings: Settings, user: str) -> list[tuple[Any, ...]]:
    return sql(
        settings,
        "SELECT rule, source_key, amount, flag FROM xp_events WHERE user_id = %(u)s ORDER BY id",
        {"u": user},
    )


def new_cards(client: TestClient, headers: dict[str, str], count: int) -> list[str]:
    deck = make_deck(client, headers)["id"]
    return [
        make_note(client, headers, deck, front=f"Q{i}?", back=f"A{i}")["cards"][0]["id"]
        for i in range(count)
    ]


def test_twenty_concurrent_submissions_of_one_review_award_once(client, settings):
    headers = register(client)
    [card] = new_cards(client, headers, 1)
    review_id = str(uuid.uuid4())
    results: list[int] = []
    start = threading.Barrier(20)

    def submit() -> None:
        start.wait()
        results.append(review(client, headers, card, 3, review_id).status_code)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 20
    user = user_id(client, headers)
    rows = [row for row in ledger(settings, user) if row[0] == "review"]
    assert rows == [("review", review_id, RULES["review"].xp, None)]
    card_state = me(client, headers)
    assert card_state["level"]["xp"] == RULES["review"].xp and card_state["ledger_matches"]


def test_a_burst_of_reviews_earns_at_most_the_floor_and_is_flagged(client, settings):
    headers = register(client)
    cards = new_cards(client, headers, 25)
    for card in cards * 4:  # 100 reviews as fast as the API takes them
        assert review(client, headers, card, 3).status_code == 200
    rows = ledger(settings, user_id(client, headers))
    reviews = [row for row in rows if row[0] == "review"]
    assert len(reviews) == 100
    paid = [row for row in reviews if row[2] > 0]
    flagged = [row for row in reviews if row[3] == "too_fast"]
    assert len(paid) <= BURST_REVIEWS and len(flagged) >= 100 - BURST_REVIEWS
    assert all(row[2] == 0 for row in flagged)
    assert sum(row[2] for row in reviews) <= RULES["review"].daily_cap  # type: ignore[operator]
    assert me(client, headers)["ledger_matches"]


def test_undo_takes_the_review_xp_back(client, settings):
    headers = register(client)
    [card] = new_cards(client, headers, 1)
    assert review(client, headers, card, 3).status_code == 200
    assert me(client, headers)["level"]["xp"] == RULES["review"].xp
    assert client.post(f"{API}/reviews/undo", headers=headers).status_code == 200
    after = me(client, headers)
    assert after["level"]["xp"] == 0 and after["ledger_matches"]
    assert [r for r in ledger(settings, user_id(client, headers)) if r[0] == "review"] == []


def give_xp(settings: Settings, user: str, amount: int) -> None:
    """Ledger rows as an award writes them, with the cached total (a test's shortcut to XP)."""
    sql(
        settings,
        """INSERT INTO xp_events (user_id, rule, source_key, amount, day)
           VALUES (%(u)s, 'badge', %(k)s, %(a)s, current_date)""",
        {"u": user, "k": f"test-{uuid.uuid4()}", "a": amount},
    )
    sql(
        settings,
        """INSERT INTO game_profiles (user_id, xp) VALUES (%(u)s, %(a)s)
           ON CONFLICT (user_id) DO UPDATE SET xp = game_profiles.xp + %(a)s""",
        {"u": user, "a": amount},
    )


def test_a_level_up_pays_once_and_is_a_notification(client, settings):
    headers = register(client)
    user = user_id(client, headers)
    give_xp(settings, user, xp_for_level(3) - RULES["review"].xp)
    [card] = new_cards(client, headers, 1)
    assert review(client, headers, card, 3).status_code == 200
    card_state = me(client, headers)
    assert card_state["level"]["level"] == 3
    # Levels 2 and 3 were paid: 10·2 + 10·3 crystals, 5·2 + 5·3 sparks.
    assert (card_state["crystals"], card_state["sparks"]) == (50, 25)
    listed = client.get(f"{API}/notifications", headers=headers).json()
    [level_up] = [n for n in listed["items"] if n["type"] == "level.up"]
    assert level_up["data"]["level"] == 3 and level_up["data"]["title"] == "Novice Odyssey Seeker"
    assert client.get(f"{API}/notifications/unread-count", headers=headers).json()["unread"] >= 1
    marked = client.post(f"{API}/notifications/read", json={"all": True}, headers=headers)
    assert marked.status_code == 200 and marked.json()["unread"] == 0
    [second] = new_cards(client, headers, 1)
    assert review(client, headers, second, 3).status_code == 200
    assert (me(client, headers)["crystals"], me(client, headers)["sparks"]) == (50, 25)


def test_streak_freezes_cost_sparks_and_never_overspend(client, settings):
    headers = register(client)
    user = user_id(client, headers)
    buy = f"{API}/gamification/streak-freezes"
    poor = client.post(buy, headers={**headers, "Idempotency-Key": "a"})
    assert poor.status_code == 409 and poor.json()["error"]["code"] == "not_enough_currency"
    sql(
        settings,
        "INSERT INTO game_profiles (user_id, sparks) VALUES (%(u)s, %(s)s)",
        {"u": user, "s": STREAK_FREEZE_SPARKS * 3 // 2},
    )
    results: dict[str, Any] = {}
    start = threading.Barrier(4)

    def purchase(key: str) -> None:
        start.wait()
        results[key] = client.post(buy, headers={**headers, "Idempotency-Key": key})

    threads = [threading.Thread(target=purchase, args=(f"k{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results.values()) == [200, 409, 409, 409]
    [winner] = [key for key, r in results.items() if r.status_code == 200]
    retried = client.post(buy, headers={**headers, "Idempotency-Key": winner})
    assert retried.status_code == 200 and retried.json()["freezes"] == 1
    state = me(client, headers)
    assert state["streak"]["freezes"] == 1
    assert state["sparks"] == STREAK_FREEZE_SPARKS * 3 // 2 - STREAK_FREEZE_SPARKS
    spends = sql(
        settings,
        "SELECT count(*) FROM currency_events WHERE user_id = %(u)s AND amount < 0",
        {"u": user},
    )
    assert spends == [(1,)]


def test_themes_unlock_with_crystals_and_only_unlocked_ones_apply(client, settings):
    headers = register(client)
    user = user_id(client, headers)
    locked = client.patch(f"{API}/gamification/me", json={"theme": "ocean"}, headers=headers)
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "theme_locked"
    unknown = client.post(f"{API}/gamification/themes/nope/unlock", headers=headers)
    assert unknown.status_code == 404
    sql(settings, "INSERT INTO game_profiles (user_id, crystals) VALUES (%(u)s, 60)", {"u": user})
    assert (
        client.post(f"{API}/gamification/themes/ocean/unlock", headers=headers).status_code == 200
    )
    again = client.post(f"{API}/gamification/themes/ocean/unlock", headers=headers)
    assert again.status_code == 200  # already unlocked: free
    poor = client.post(f"{API}/gamification/themes/forest/unlock", headers=headers)
    assert poor.status_code == 409
    chosen = client.patch(f"{API}/gamification/me", json={"theme": "ocean"}, headers=headers)
    assert chosen.status_code == 200 and chosen.json()["theme"] == "ocean"
    assert chosen.json()["crystals"] == 10


def test_tutor_questions_earn_nothing(client, settings):
    headers = register(client)
    user = user_id(client, headers)
    sql(
        settings,
        """INSERT INTO study_events (user_id, kind, source_key, occurred_at)
           VALUES (%(u)s, 'tutor_question', 'q1', now())""",
        {"u": user},
    )
    assert ledger(settings, user) == []
    assert me(client, headers)["level"]["xp"] == 0
