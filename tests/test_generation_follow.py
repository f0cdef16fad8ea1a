"""Following a generation: waiting deltas go out as one event, and a pace bounds the frames."""

from __future__ import annotations

import asyncio
import uuid

from hypothesis import given
from hypothesis import strategies as st

from tutor.chat.generations import Generation, joined
from tutor.events import Event

pieces = st.lists(
    st.one_of(
        st.text(min_size=1, max_size=5).map(lambda t: ("delta", t)), st.just(("sources", ""))
    ),
    max_size=30,
)


def events_of(spec: list[tuple[str, str]]) -> list[Event]:
    return [Event.of(kind, text=text) if kind == "delta" else Event.of(kind) for kind, text in spec]


def runs(events: list[Event]) -> list[str]:
    """The text between non-delta events, run by run, and the non-delta types in order."""
    out, text = [], ""
    for event in events:
        if event.type == "delta":
            text += event.data["text"]
        else:
            out += [text, event.type]
            text = ""
    return [*out, text]


@given(pieces)
def test_joining_keeps_every_word_and_event_in_order(spec):
    events = events_of(spec)
    together = joined(events)
    assert runs(together) == runs(events)
    kinds = [e.type for e in together]
    assert not any(a == b == "delta" for a, b in zip(kinds, kinds[1:], strict=False))
    # A joined delta is known by its last part: ids sort by time, so "last seen" still holds.
    ids = {e.id for e in events}
    assert all(e.id in ids for e in together)
    deltas = [e for e in events if e.type == "delta"]
    if deltas and together[-1].type == "delta":
        assert together[-1].id == deltas[-1].id


def test_a_paced_follower_sends_fewer_frames_and_loses_nothing():
    async def scenario() -> tuple[list[Event], list[Event]]:
        generation = Generation(uuid.uuid4(), uuid.uuid4())
        produced = [Event.of("delta", text=f"w{i} ") for i in range(40)]

        async def produce() -> None:
            for event in produced:
                generation.publish(event)
                await asyncio.sleep(0.005)  # a model streaming 200 tokens a second
            generation.publish(Event.of("done"))

        async def follow(pace_s: float) -> list[Event]:
            return [event async for event in generation.follow(pace_s)]

        task = asyncio.create_task(produce())
        paced, unpaced = await asyncio.gather(follow(0.05), follow(0.0))
        await task
        return paced, unpaced

    paced, unpaced = asyncio.run(scenario())
    whole = "".join(f"w{i} " for i in range(40))
    for seen in (paced, unpaced):
        assert "".join(e.data["text"] for e in seen if e.type == "delta") == whole
        assert seen[-1].type == "done"
    paced_deltas = sum(e.type == "delta" for e in paced)
    # 40 tokens over about 0.2 s, at most one frame per 0.05 s: a handful, not 40.
    assert paced_deltas <= 10 < sum(e.type == "delta" for e in unpaced)
