"""Class materials on the real stack: a teacher shares their own documents with a class, its
students search them and ask the tutor about them beside their own notes, and everything else
stays private: nobody outside the class sees them, a student's own notes never reach the
teacher, and leaving, removal, unsharing, a co-teacher stepping down or the document's deletion
take the materials away on the next request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ingest, register
from tests.test_classes_api import join, new_class, teacher
from tests.test_tutor_ws import converse, only, socket

API = "/api/v1"
MODES = ("hybrid", "dense", "fts")
LESSON = b"""# Osmoregulation

Osmoregulation keeps a cell's water balance. In freshwater fish the kidneys excrete dilute
urine, while the gills actively absorb salt from the surrounding water.
"""
DIARY = b"My private diary: the zephyrine lantern is hidden under the quokka statue."


def search(client: TestClient, headers: dict[str, str], q: str, **params: Any) -> list[Any]:
    response = client.get(f"{API}/search", params={"q": q, "k": 20, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def from_document(hits: list[Any], document: dict[str, Any]) -> list[Any]:
    return [hit for hit in hits if hit["document_id"] == document["id"]]


def share(client: TestClient, headers: dict[str, str], class_id: str, document_id: str) -> Any:
    return client.post(
        f"{API}/classes/{class_id}/materials", json={"document_id": document_id}, headers=headers
    )


def test_members_read_shared_materials_and_nobody_reads_more(client, settings):
    owner, student, outsider = teacher(client, settings), register(client), register(client)
    lesson = ingest(client, owner, "osmoregulation.md", LESSON)
    diary = ingest(client, student, "diary.txt", DIARY)
    made = new_class(client, owner, name="Biology 9B")
    assert join(client, student, made["join_code"]).status_code == 200
    materials = f"{API}/classes/{made['id']}/materials"

    # Only a teacher of the class shares, and only their own document.
    refused = share(client, student, made["id"], diary["id"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_teacher"
    not_theirs = share(client, owner, made["id"], diary["id"])
    assert not_theirs.status_code == 404
    assert not_theirs.json()["error"]["code"] == "document_not_found"
    assert share(client, outsider, made["id"], lesson["id"]).status_code == 404
    shared = share(client, owner, made["id"], lesson["id"])
    assert shared.status_code == 200, shared.text
    assert shared.json()["filename"] == "osmoregulation.md" and shared.json()["mine"] is True
    assert share(client, owner, made["id"], lesson["id"]).status_code == 200  # twice is once
    [listed] = client.get(materials, headers=student).json()["items"]
    assert listed["document_id"] == lesson["id"] and listed["mine"] is False
    assert client.get(materials, headers=outsider).status_code == 404

    # The student's search reads the material, named by its class, beside their own notes.
    for mode in MODES:
        hits = search(client, student, "kidneys excrete dilute urine gills salt", mode=mode)
        theirs = from_document(hits, lesson)
        assert theirs, (mode, hits)
        assert all(hit["class_name"] == "Biology 9B" for hit in theirs)
        assert all(hit["class_id"] == made["id"] for hit in theirs)
        own = from_document(search(client, student, "zephyrine lantern quokka", mode=mode), diary)
        assert own and all(hit["class_name"] is None for hit in own)
        # Nobody else reads either: not the outsider, and not the teacher the student's notes.
        assert not from_document(search(client, outsider, "kidneys gills salt", mode=mode), lesson)
        assert not from_document(
            search(client, owner, "zephyrine lantern quokka", mode=mode), diary
        )
    assert not from_document(search(client, student, "kidneys gills", classes="false"), lesson)
    narrowed = search(client, student, "water balance", document_id=lesson["id"])
    assert narrowed and all(hit["document_id"] == lesson["id"] for hit in narrowed)

    # Read-only: the document itself stays its owner's.
    document = f"{API}/documents/{lesson['id']}"
    assert client.get(document, headers=student).status_code == 404
    assert client.delete(document, headers=student).status_code == 404
    assert client.delete(f"{materials}/{lesson['id']}", headers=student).status_code == 403

    # Removal takes it away on the next request.
    me = client.get(f"{API}/me", headers=student).json()["id"]
    removed = client.delete(f"{API}/classes/{made['id']}/students/{me}", headers=owner)
    assert removed.status_code == 204
    assert not from_document(search(client, student, "kidneys excrete urine gills"), lesson)
    assert client.get(materials, headers=student).status_code == 404


def test_unsharing_leaving_stepping_down_and_deleting_end_access(client, settings):
    owner, co_teacher, student = (
        teacher(client, settings),
        teacher(client, settings),
        register(client),
    )
    made = new_class(client, owner, name="Chemistry")
    co_email = client.get(f"{API}/me", headers=co_teacher).json()["email"]
    added = client.post(
        f"{API}/classes/{made['id']}/teachers", json={"email": co_email}, headers=owner
    )
    assert added.status_code == 200, added.text
    assert join(client, student, made["join_code"]).status_code == 200
    lesson = ingest(client, owner, "osmosis.md", LESSON)
    titration = b"Titration adds a reagent of known molarity until the indicator turns pink."
    extra = ingest(client, co_teacher, "titration.txt", titration)
    assert share(client, owner, made["id"], lesson["id"]).status_code == 200
    assert share(client, co_teacher, made["id"], extra["id"]).status_code == 200
    assert from_document(search(client, student, "indicator turns pink molarity"), extra)
    # Co-teachers read each other's shares too, as materials of their class.
    assert from_document(search(client, co_teacher, "kidneys excrete urine"), lesson)

    # A co-teacher who steps down takes their shares with them; the owner's stay.
    left = client.post(f"{API}/classes/{made['id']}/leave", headers=co_teacher)
    assert left.status_code == 204
    assert not from_document(search(client, student, "indicator turns pink molarity"), extra)
    listed = client.get(f"{API}/classes/{made['id']}/materials", headers=student).json()["items"]
    assert [m["document_id"] for m in listed] == [lesson["id"]]

    # Unsharing ends it; sharing again brings it back; deleting the document ends every share.
    unshared = client.delete(f"{API}/classes/{made['id']}/materials/{lesson['id']}", headers=owner)
    assert unshared.status_code == 204
    assert not from_document(search(client, student, "kidneys excrete urine"), lesson)
    again = client.delete(f"{API}/classes/{made['id']}/materials/{lesson['id']}", headers=owner)
    assert again.status_code == 404 and again.json()["error"]["code"] == "material_not_found"
    assert share(client, owner, made["id"], lesson["id"]).status_code == 200
    assert from_document(search(client, student, "kidneys excrete urine"), lesson)
    assert client.delete(f"{API}/documents/{lesson['id']}", headers=owner).status_code == 204
    assert not from_document(search(client, student, "kidneys excrete urine"), lesson)
    assert (
        client.get(f"{API}/classes/{made['id']}/materials", headers=student).json()["items"] == []
    )

    # Leaving on one's own ends it too.
    other = ingest(client, owner, "gills.md", LESSON + b"\nGill lamellae raise the surface.")
    assert share(client, owner, made["id"], other["id"]).status_code == 200
    assert from_document(search(client, student, "gill lamellae surface"), other)
    assert client.post(f"{API}/classes/{made['id']}/leave", headers=student).status_code == 204
    assert not from_document(search(client, student, "gill lamellae surface"), other)


def test_the_tutor_answers_from_class_materials_and_names_the_class(tutor_client, settings, chat):
    owner, student = teacher(tutor_client, settings), register(tutor_client)
    lesson = ingest(tutor_client, owner, "osmoregulation.md", LESSON)
    diary = ingest(tutor_client, student, "diary.txt", DIARY)
    made = new_class(tutor_client, owner, name="Biology 9B")
    assert join(tutor_client, student, made["join_code"]).status_code == 200
    assert share(tutor_client, owner, made["id"], lesson["id"]).status_code == 200

    chat.script("Their kidneys excrete dilute urine and their gills absorb salt [1].")
    with socket(tutor_client, student) as ws:
        events = converse(
            ws, mode="answer", text="How do freshwater fish keep their water balance?"
        )
    [cited] = only(events, "citations")["items"]
    assert cited["document_id"] == lesson["id"]
    assert cited["class_name"] == "Biology 9B" and cited["class_id"] == made["id"]

    # The teacher's tutor never reads the student's notes.
    chat.script("It is under the quokka statue [1].")
    with socket(tutor_client, owner) as ws:
        events = converse(ws, mode="answer", text="Where is the zephyrine lantern hidden?")
    seen = [e["data"] for e in events if e["type"] in ("sources", "citations")]
    assert diary["id"] not in str(seen) and "zephyrine" not in str(seen).lower()
