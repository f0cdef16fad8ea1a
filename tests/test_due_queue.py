"""The due queue's rule: learning first, then due reviews, then new cards, within each deck's
daily limits, in a stable order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tutor.study.due_queue import (
    LEARNING,
    NEW,
    Allowance,
    Candidate,
    allowance,
    bucket,
    order_queue,
    window_at,
)

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
DAY_END = datetime(2026, 12, 3, tzinfo=UTC)
DECKS = [uuid.UUID(int=n) for n in range(1, 4)]

card = st.builds(
    Candidate,
    id=st.uuids(),
    deck_id=st.sampled_from(DECKS),
    state=st.sampled_from(["new", "learning", "review", "relearning"]),
    due_at=st.integers(-3000, 3000).map(lambda m: NOW + timedelta(minutes=m)),
    created_at=st.integers(-3000, 0).map(lambda m: NOW + timedelta(minutes=m)),
)
allowances = st.fixed_dictionaries(
    {deck: st.builds(Allowance, st.integers(0, 5), st.integers(0, 5)) for deck in DECKS}
)


@given(st.lists(card, max_size=40), allowances, st.integers(1, 30))
def test_order_and_limits(cards, limits, size):
    queue = order_queue(cards, limits, now=NOW, day_end=DAY_END, size=size)
    places = [bucket(c, NOW, DAY_END) for c in queue]
    assert len(queue) <= size and len(set(queue)) == len(queue)
    assert None not in places and places == sorted(places)  # type: ignore[type-var]
    for deck in DECKS:
        reviews = [c for c in queue if c.deck_id == deck and c.state == "review"]
        new = [c for c in queue if c.deck_id == deck and c.state == "new"]
        assert len(reviews) <= limits[deck].reviews_left and len(new) <= limits[deck].new_left
    for place in {LEARNING, 1, NEW}:
        keys = [
            c.created_at if place == NEW else c.due_at
            for c in queue
            if bucket(c, NOW, DAY_END) == place
        ]
        assert keys == sorted(keys)


@given(st.lists(card, max_size=40), allowances, st.integers(1, 30))
def test_nothing_eligible_is_left_out_while_there_is_room(cards, limits, size):
    queue = order_queue(cards, limits, now=NOW, day_end=DAY_END, size=size)
    if len(queue) == size:
        return
    for c in cards:
        place = bucket(c, NOW, DAY_END)
        if place is None or c in queue:
            continue
        same = [q for q in queue if q.deck_id == c.deck_id and q.state == c.state]
        assert place != LEARNING, "learning cards due now are never limited"
        limit = limits[c.deck_id].new_left if place == NEW else limits[c.deck_id].reviews_left
        assert len(same) >= limit


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 400), st.integers(0, 400))
def test_allowance_is_never_negative(reviews, new, reviews_done, new_done):
    left = allowance(reviews, new, reviews_done, new_done)
    assert left.reviews_left == max(0, reviews - reviews_done)
    assert left.new_left == max(0, new - new_done)


def test_not_due_cards_stay_out():
    later = Candidate(uuid.uuid4(), DECKS[0], "learning", NOW + timedelta(minutes=5), NOW)
    tomorrow = Candidate(uuid.uuid4(), DECKS[0], "review", DAY_END, NOW)
    assert bucket(later, NOW, DAY_END) is None and bucket(tomorrow, NOW, DAY_END) is None


def test_the_day_is_the_students_own_across_dst():
    zone = ZoneInfo("America/New_York")
    # 2026-11-01 is 25 hours long in New York (clocks go back).
    window = window_at(datetime(2026, 11, 1, 12, tzinfo=UTC), zone)
    assert window.day_start.isoformat() == "2026-11-01T00:00:00-04:00"
    assert window.day_end.astimezone(UTC) - window.day_start.astimezone(UTC) == timedelta(hours=25)
