"""Our rows through FSRS: with fuzzing off, replaying a card's ratings through our conversion
gives exactly the package's own schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler
from hypothesis import given
from hypothesis import strategies as st

from tutor.study import scheduling
from tutor.study.scheduling import Memory

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
history = st.lists(
    st.tuples(st.integers(1, 4), st.floats(0, 60 * 24 * 40)),  # rating, minutes after the due
    min_size=1,
    max_size=12,
)


def new_memory() -> Memory:
    return Memory("new", None, None, None, START, None)


def stored(memory: Memory) -> Memory:
    """What a row gives back: timestamps in the server's zone, floats as float8."""
    zone = ZoneInfo("Europe/Paris")
    last = memory.last_review_at.astimezone(zone) if memory.last_review_at else None
    return Memory(
        memory.state,
        memory.step,
        memory.stability,
        memory.difficulty,
        memory.due_at.astimezone(zone),
        last,
    )


@given(history, st.sampled_from([0.8, 0.85, 0.9, 0.95, 0.97]))
def test_replay_matches_the_package(ratings, retention):
    ours = scheduling.make_scheduler(retention, None, fuzz=False)
    theirs = Scheduler(desired_retention=retention, enable_fuzzing=False)
    memory, card = new_memory(), Card(card_id=1, due=START)
    for rating, late in ratings:
        now = max(card.due, START) + timedelta(minutes=late)
        memory = stored(scheduling.review(ours, memory, rating, now))
        card, _ = theirs.review_card(card, Rating(rating), now)
        # In UTC: `==` across zones is False for a wall time that occurs twice (PEP 495), as
        # 02:00 in Paris does on the night summer time ends.
        assert memory.due_at.astimezone(UTC) == card.due
        assert memory.stability == card.stability and memory.difficulty == card.difficulty
        assert memory.state == scheduling.from_fsrs(card).state and memory.step == card.step


def test_a_new_card_is_the_packages_fresh_card():
    card = scheduling.to_fsrs(new_memory())
    fresh = Card(card_id=0, due=START)
    assert (card.state, card.step, card.stability, card.last_review) == (
        fresh.state,
        fresh.step,
        fresh.stability,
        fresh.last_review,
    )


def test_optimized_parameters_are_used():
    parameters = list(scheduling.make_scheduler(0.9, None, fuzz=False).parameters)
    parameters[0] = 3.0  # a much more stable first "again"
    own = scheduling.make_scheduler(0.9, parameters, fuzz=False)
    after = scheduling.review(own, new_memory(), 1, START)
    assert after.stability == 3.0


def test_preview_labels_every_rating_in_order():
    scheduler = scheduling.make_scheduler(0.9, None, fuzz=False)
    dues = scheduling.preview(scheduler, new_memory(), START)
    assert list(dues) == [1, 2, 3, 4]
    assert dues[1] <= dues[2] <= dues[3] <= dues[4]


def test_an_exam_caps_the_due_and_the_package_decides_otherwise():
    scheduler = scheduling.make_scheduler(0.9, None, fuzz=False)
    memory = Memory("review", None, 40.0, 5.0, START, START - timedelta(days=40))
    free = scheduling.review(scheduler, memory, 4, START)
    exam = scheduling.exam_of((START + timedelta(days=5)).date(), ZoneInfo("Europe/Paris"))
    assert exam is not None
    capped = scheduling.review(scheduler, memory, 4, START, exam)
    assert capped.due_at < exam.start < free.due_at
    assert capped.stability == free.stability
