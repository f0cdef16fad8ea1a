"""A practice set out to Moodle (GIFT) and Anki: every GIFT markup character survives a round
trip through a strict reader, and the API serves both files to the set's owner only."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import genanki
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from psycopg import AsyncConnection

from tests import gift_reader
from tests.conftest import register
from tests.test_card_exchange import read_collection
from tests.test_practice_attempts_api import committed
from tutor.chat import practice
from tutor.chat.practice import PracticeItem, PracticeSetRecord
from tutor.settings import Settings
from tutor.study.practice_export import anki_package, gift, gift_escape

TOPIC = "Cells: {membranes} ~ = #1"
OPTIONS = ["the mitochondrion: {power}", "a ~ribosome~", "1 = 2 # not", "C:\\new\\folder"]
EXPLANATION = "Because {it} makes ATP: #1 ~ =\nsee the next page.\\"


def item(
    kind: str, question: str, answer: str, options: list[str], explanation: str
) -> PracticeItem:
    return PracticeItem(
        kind, question, options, answer, explanation, None, None, "cells: part {1}.md", 4, 5,
        "The mitochondrion makes ATP.",
    )  # fmt: skip


def tricky_items() -> list[PracticeItem]:
    """Both kinds, every GIFT markup character, a backslash and a newline in every text."""
    return [
        item(
            "multiple_choice",
            "In {x}, which ~one = #1: the cell's\nengine?",
            OPTIONS[0],
            OPTIONS,
            EXPLANATION,
        ),
        item("short_answer", 'What is "a = b"?\\', "a: {b} ~ c # d = e\nf", [], ""),
    ]


def record(topic: str = TOPIC, set_id: UUID | None = None) -> PracticeSetRecord:
    return PracticeSetRecord(
        set_id or uuid.uuid4(), topic, 2, 0, "practice", 2, "scripted", None, datetime.now(UTC)
    )


def test_gift_escapes_markup_backslashes_and_newlines() -> None:
    assert gift_escape("a~b=c#d{e}f:g\\h\ni\r\nj") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni\\nj"


def test_every_special_character_round_trips_through_gift() -> None:
    text = gift(record(), tricky_items())
    assert text.count("\n\n") == 1 and text.endswith("}\n")  # one blank line between questions
    choice, short = gift_reader.read(text)
    assert choice.title == f"Q1 {TOPIC}" and short.title == f"Q2 {TOPIC}"
    assert choice.text == "In {x}, which ~one = #1: the cell's\nengine?"
    assert choice.right == [OPTIONS[0]] and choice.wrong == OPTIONS[1:]
    assert choice.feedback == EXPLANATION
    assert short.text == 'What is "a = b"?\\'
    assert short.right == ["a: {b} ~ c # d = e\nf"] and short.wrong == []
    assert short.feedback == ""
    assert choice.comments == short.comments == ["source: cells: part {1}.md, p. 4-5"]


def test_a_title_is_one_line_and_a_key_missing_from_the_options_is_still_right() -> None:
    odd = item("multiple_choice", "Which?", "kept", ["one", "two"], "Why.")
    [read] = gift_reader.read(gift(record("  a  long\ntopic " + "x" * 200), [odd]))
    assert read.title.startswith("Q1 a long topic x") and len(read.title) == 83
    assert read.right == ["kept"] and read.wrong == ["one", "two"]
    assert gift(record(), []) == ""


field_text = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from([*"~=#{}:\\/", "\n"]),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    field_text,
    st.lists(field_text, min_size=2, max_size=5, unique=True),
    st.integers(min_value=0, max_value=4),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.strip),
)
def test_any_text_round_trips_through_gift(
    question: str, options: list[str], right: int, explanation: str
) -> None:
    key = options[right % len(options)]
    items = [
        item("multiple_choice", question, key, options, explanation),
        item("short_answer", question, key, [], explanation),
    ]
    choice, short = gift_reader.read(gift(record(question), items))
    assert choice.text == short.text == question
    assert choice.right == short.right == [key]
    assert choice.wrong == [o for o in options if o != key] and short.wrong == []
    assert choice.feedback == short.feedback == explanation


def notes_in(package: bytes, tmp_path: Path) -> tuple[dict[str, list[str]], dict[int, str]]:
    """The package's notes (GUID to fields) and decks (id to name)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        path = tmp_path / f"collection-{uuid.uuid4()}.anki2"
        path.write_bytes(archive.read("collection.anki2"))
    notes, decks, _ = read_collection(path)
    return notes, decks


def test_anki_package_has_one_stable_note_per_question(tmp_path: Path) -> None:
    header, items = record(), tricky_items()
    notes, decks = notes_in(anki_package(header, items), tmp_path)
    assert notes.keys() == {genanki.guid_for(str(i.id)) for i in items}
    front, back, source = notes[genanki.guid_for(str(items[0].id))]
    assert front.startswith("In {x}, which ~one = #1: the cell&#x27;s<br>engine?<br><br>• ")
    assert "• a ~ribosome~<br>" in front and front.endswith("• C:\\new\\folder")
    assert back.startswith("the mitochondrion: {power}<br><br>Because {it} makes ATP")
    assert source.startswith("cells: part {1}.md p. 4-5")
    assert TOPIC in decks.values()
    again, _ = notes_in(anki_package(header, items), tmp_path)
    assert again.keys() == notes.keys()


def saved_set(settings: Settings, owner: UUID) -> UUID:
    """The tricky set, saved for `owner` and committed."""
    header = {
        "message_id": None,
        "topic": TOPIC,
        "requested": 2,
        "dropped": 0,
        "prompt_name": "practice",
        "prompt_version": 2,
        "model_id": "scripted",
    }

    async def save(conn: AsyncConnection) -> UUID:
        return await practice.save_set(conn, owner, header, tricky_items())

    return committed(settings, save)


def test_the_owner_downloads_both_exports(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    headers = register(client)
    owner = UUID(client.get("/api/v1/me", headers=headers).json()["id"])
    set_id = saved_set(settings, owner)
    questions: list[dict[str, Any]] = client.get(
        f"/api/v1/practice-sets/{set_id}", headers=headers
    ).json()["questions"]

    response = client.get(f"/api/v1/practice-sets/{set_id}/export.gift", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="Cells_membranes_1.gift"'
    read = gift_reader.read(response.text)
    assert [q.text for q in read] == [q["question"] for q in questions]
    assert [q.right for q in read] == [[q["answer"]] for q in questions]
    assert read[0].wrong == OPTIONS[1:] and read[0].feedback == EXPLANATION

    package = client.get(f"/api/v1/practice-sets/{set_id}/export.apkg", headers=headers)
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/octet-stream"
    assert package.headers["content-disposition"].endswith('filename="Cells_membranes_1.apkg"')
    notes, decks = notes_in(package.content, tmp_path)
    assert notes.keys() == {genanki.guid_for(q["id"]) for q in questions}
    assert list(decks.values()).count(TOPIC) == 1


def test_another_users_set_is_not_found(client: TestClient, settings: Settings) -> None:
    owner = register(client)
    set_id = saved_set(settings, UUID(client.get("/api/v1/me", headers=owner).json()["id"]))
    other = register(client)
    for kind in ("gift", "apkg"):
        path = f"/api/v1/practice-sets/{set_id}/export.{kind}"
        response = client.get(path, headers=other)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "practice_set_not_found"
        missing = client.get(f"/api/v1/practice-sets/{uuid.uuid4()}/export.{kind}", headers=owner)
        assert missing.status_code == 404
        assert client.get(path, headers=owner).status_code == 200
