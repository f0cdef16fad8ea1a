"""Cards in and out: CSV import with a report of the rows skipped, CSV export that imports back
the same, and an Anki package whose collection holds the deck's notes."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any
from uuid import uuid4

import genanki
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import register
from tutor.study.card_exchange import (
    MAX_IMPORT_BYTES,
    ExportNote,
    anki_id,
    parse_csv,
    to_csv,
)

text = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
        | st.just("\n"),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    st.lists(
        st.tuples(
            text, st.text(max_size=60).map(str.strip), st.sampled_from(["basic", "reversed"])
        ),
        max_size=20,
    )
)
def test_exported_csv_parses_back_to_the_same_notes(rows: list[tuple[str, str, str]]) -> None:
    notes = [
        ExportNote(uuid4(), kind, front, back, None, None, None, None) for front, back, kind in rows
    ]
    parsed, skipped = parse_csv(to_csv(notes).encode())
    assert skipped == []
    assert [(r.front, r.back, r.kind) for r in parsed] == rows


def test_rows_that_cannot_be_notes_are_reported_by_line() -> None:
    data = (
        "Front,Back,Kind\n"
        "What is R?,A language,\n"
        ",no front,basic\n"
        "Q,A,flipped\n"
        "The {{c1::mean}} is the average,,cloze\n"
        "No deletion here,,cloze\n"
        "\n"
        f"{'x' * 4001},too long,basic\n"
    ).encode()
    rows, skipped = parse_csv(data)
    assert [(r.line, r.kind) for r in rows] == [(2, "basic"), (5, "cloze")]
    assert [(s.line, s.reason) for s in skipped] == [
        (3, "empty_front"),
        (4, "unknown_kind"),
        (6, "cloze_without_deletions"),
        (8, "too_long"),
    ]


def test_anki_ids_are_stable_and_in_range() -> None:
    assert anki_id("deck:1") == anki_id("deck:1") != anki_id("deck:2")
    assert all(1 << 30 <= anki_id(str(i)) < 1 << 31 for i in range(200))


# --- through the API ------------------------------------------------------------------------


def new_deck(client: TestClient, headers: dict[str, str], name: str) -> str:
    return str(client.post("/api/v1/decks", headers=headers, json={"name": name}).json()["id"])


def add_note(client: TestClient, headers: dict[str, str], deck: str, **note: Any) -> None:
    response = client.post(f"/api/v1/decks/{deck}/notes", headers=headers, json=note)
    assert response.status_code == 201, response.text


def import_file(client: TestClient, headers: dict[str, str], deck: str, data: bytes) -> Any:
    files = {"file": ("cards.csv", data, "text/csv")}
    return client.post(f"/api/v1/decks/{deck}/import", headers=headers, files=files)


def notes_of(client: TestClient, headers: dict[str, str], deck: str) -> set[tuple[str, str, str]]:
    items = client.get(f"/api/v1/decks/{deck}/notes?limit=100", headers=headers).json()["items"]
    return {(n["kind"], n["front"], n["back"]) for n in items}


@pytest.fixture
def deck_with_notes(client: TestClient) -> dict[str, Any]:
    headers = register(client)
    deck = new_deck(client, headers, "Statistics, part 1")
    add_note(
        client,
        headers,
        deck,
        kind="basic",
        front='What does "sd" compute?',
        back="The standard deviation,\nof a vector",
    )
    add_note(client, headers, deck, kind="reversed", front="mean", back="the average")
    add_note(
        client,
        headers,
        deck,
        kind="cloze",
        front="The {{c1::median}} is the {{c2::middle}} value",
        back="robust",
    )
    return {"headers": headers, "deck": deck}


def test_csv_round_trip(client: TestClient, deck_with_notes: dict[str, Any]) -> None:
    headers, deck = deck_with_notes["headers"], deck_with_notes["deck"]
    exported = client.get(f"/api/v1/decks/{deck}/export.csv", headers=headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="Statistics_part_1.csv"' in exported.headers["content-disposition"]

    copy = new_deck(client, headers, "Copy")
    report = import_file(client, headers, copy, exported.content).json()
    assert report == {"imported": 3, "skipped": []}
    assert notes_of(client, headers, copy) == notes_of(client, headers, deck)
    again = import_file(client, headers, copy, exported.content).json()
    assert again["imported"] == 0
    assert [s["reason"] for s in again["skipped"]] == ["duplicate"] * 3


def test_import_limits_and_errors(client: TestClient) -> None:
    headers = register(client)
    deck = new_deck(client, headers, "Imports")
    too_big = b"front,back\n" + b"q,a\n" * (MAX_IMPORT_BYTES // 4 + 1)
    assert import_file(client, headers, deck, too_big).status_code == 413
    no_header = import_file(client, headers, deck, b"What is R?,A language\n")
    assert no_header.status_code == 422 and no_header.json()["error"]["code"] == "invalid_input"
    latin1 = import_file(client, headers, deck, "front,back\ncaf\xe9,x\n".encode("latin-1"))
    assert latin1.status_code == 422
    assert notes_of(client, headers, deck) == set()


def test_anki_package_holds_the_notes(
    client: TestClient, deck_with_notes: dict[str, Any], tmp_path: Path
) -> None:
    headers, deck = deck_with_notes["headers"], deck_with_notes["deck"]
    first = client.get(f"/api/v1/decks/{deck}/export.apkg", headers=headers)
    assert first.status_code == 200
    second = client.get(f"/api/v1/decks/{deck}/export.apkg", headers=headers)
    collections = []
    for n, package in enumerate((first.content, second.content)):
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            path = tmp_path / f"collection-{n}.anki2"
            path.write_bytes(archive.read("collection.anki2"))
        collections.append(read_collection(path))
    notes, decks, models = collections[0]
    fields = sorted(notes.values())
    assert ["The {{c1::median}} is the {{c2::middle}} value", "robust"] in fields
    assert ["mean", "the average", ""] in fields
    assert [
        "What does &quot;sd&quot; compute?",
        "The standard deviation,<br>of a vector",
        "",
    ] in fields
    assert "Statistics, part 1" in decks.values()
    assert set(models.values()) == {
        genanki.CLOZE_MODEL.name,  # Anki's own cloze type
        "Spark Tutor: basic",
        "Spark Tutor: reversed",
    }
    # The same ids on every export: Anki updates the notes instead of adding copies.
    assert collections[1][0].keys() == notes.keys() and collections[1][1] == decks


def read_collection(path: Path) -> tuple[dict[str, list[str]], dict[int, str], dict[int, str]]:
    """Notes (GUID to fields), decks and note types (id to name) of an Anki collection."""
    with sqlite3.connect(path) as db:
        notes = {
            guid: flds.split("\x1f") for guid, flds in db.execute("SELECT guid, flds FROM notes")
        }
        decks_json, models_json = db.execute("SELECT decks, models FROM col").fetchone()
    decks = {int(k): v["name"] for k, v in json.loads(decks_json).items()}
    models = {int(k): v["name"] for k, v in json.loads(models_json).items()}
    return notes, decks, models


def test_another_users_deck_is_not_found(
    client: TestClient, deck_with_notes: dict[str, Any]
) -> None:
    deck, other = deck_with_notes["deck"], register(client)
    assert import_file(client, other, deck, b"front,back\nq,a\n").status_code == 404
    for kind in ("csv", "apkg"):
        assert client.get(f"/api/v1/decks/{deck}/export.{kind}", headers=other).status_code == 404
    assert len(notes_of(client, deck_with_notes["headers"], deck)) == 3
