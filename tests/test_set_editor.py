"""The practice set editor: the checks on one question (pure), and edit, add, remove, reorder
and rename on the real stack, where a blocking problem saves nothing and a warning is shown."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import register
from tests.test_practice_attempts_api import OPTIONS, saved_set
from tutor.practice.item_checks import ItemText, item_problems

API = "/api/v1"
SOURCE = "Photosynthesis happens in the chloroplast, an organelle of plant cells."


def codes(item: ItemText, source: str | None = SOURCE) -> list[str]:
    return [p.code for p in item_problems(item, source)]


def mc(question: str = "Where does photosynthesis happen?", options=None, answer="chloroplast"):
    return ItemText("multiple_choice", question, options or list(OPTIONS), answer, "")


def test_a_sound_question_from_its_source_has_no_problem():
    assert codes(mc()) == []


def test_structural_problems_block_and_hide_the_warnings():
    found = item_problems(mc(options=["chloroplast", "Chloroplast.", "nucleus"]), SOURCE)
    assert [(p.code, p.blocking) for p in found] == [("duplicate_options", True)]
    assert codes(mc(answer="stroma")) == ["key_not_one_option"]
    assert codes(mc(options=["chloroplast"])) == ["too_few_options"]
    assert codes(mc(question="Where?")) == ["question_too_short"]
    assert codes(ItemText("short_answer", "Where does it happen?", ["a"], "x", "")) == [
        "options_on_short_answer"
    ]


def test_warnings_name_what_a_teacher_may_keep():
    assert codes(mc(answer="nucleus")) == ["unsupported_key"]
    catch_all = mc(options=["chloroplast", "nucleus", "ribosome", "All of the above"])
    assert codes(catch_all) == ["catch_all_option"]
    assert "key_in_question" in codes(mc(question="Is the chloroplast where photosynthesis is?"))
    assert codes(mc(), source=None) == ["no_source"]
    assert codes(mc(options=["chloroplast", "nucleus", "ribosome"])) == ["not_four_options"]


def test_the_key_may_be_stated_by_any_sentence_of_a_passage():
    passage = "# Cells\n\nLeaves are green. Photosynthesis happens in the chloroplast. Roots drink."
    assert codes(mc(), passage) == []
    assert codes(mc(answer="nucleus"), passage) == ["unsupported_key"]


def test_options_differing_in_a_sign_are_different_options():
    item = ItemText("multiple_choice", "What is the root of x + 5 = 0?", ["-5", "5", "0", "10"],
                    "-5", "")  # fmt: skip
    assert "duplicate_options" not in codes(item, "The root is -5.")


@given(st.lists(st.text(min_size=1, max_size=20), min_size=0, max_size=8), st.text(max_size=20))
def test_blocking_problems_come_first_and_only_structural_ones_block(options, answer):
    found = item_problems(mc(options=options or ["x"], answer=answer), SOURCE)
    flags = [p.blocking for p in found]
    assert flags == sorted(flags, reverse=True)
    if any(flags):  # a blocked item reports only why it is blocked
        assert all(flags)


def edit(client: TestClient, headers, set_id: str, item_id: str, **fields: Any):
    return client.put(f"{API}/practice-sets/{set_id}/items/{item_id}", json=fields, headers=headers)


def test_edit_add_remove_reorder_and_rename(client, settings):
    owner, stranger = register(client), register(client)
    made = saved_set(client, settings, owner)
    set_id, (first, second, third) = made["id"], made["questions"]
    assert made["question_count"] == 3
    assert [q["problems"] for q in made["questions"]] == [[], [], []]
    path = f"{API}/practice-sets/{set_id}"

    # A blocking problem refuses the edit and says why; nothing changes.
    twice = ["chloroplast", "Chloroplast", "nucleus", "ribosome"]
    same = edit(
        client, owner, set_id, first["id"], question=first["question"], options=twice,
        answer="chloroplast",
    )  # fmt: skip
    assert same.status_code == 422
    assert [p["code"] for p in same.json()["error"]["problems"]] == ["duplicate_options"]
    assert client.get(path, headers=owner).json()["questions"][0]["options"] == OPTIONS

    # A warning is saved with the edit and shown with the question from then on.
    options = ["chloroplast", "nucleus", "ribosome", "None of the above"]
    saved = edit(
        client, owner, set_id, first["id"], question="Where is sunlight turned into sugar?",
        options=options, answer="chloroplast", explanation="See the notes.",
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert [p["code"] for p in saved.json()["problems"]] == ["catch_all_option"]
    reread = client.get(path, headers=owner).json()["questions"][0]
    assert reread["options"] == options and reread["question"].startswith("Where is sunlight")
    assert [p["code"] for p in reread["problems"]] == ["catch_all_option"]
    assert reread["chunk_id"] is None and reread["quote"] == first["quote"]  # source kept

    # Added by hand: no source backs it; a retry with the same id adds nothing.
    new_id = str(uuid.uuid4())
    body = {"id": new_id, "kind": "short_answer", "question": "What gas do leaves give off?",
            "answer": "oxygen"}  # fmt: skip
    added = client.post(f"{path}/items", json=body, headers=owner)
    assert added.status_code == 201, added.text
    assert added.json()["ordinal"] == 3 and added.json()["problems"][0]["code"] == "no_source"
    assert client.post(f"{path}/items", json=body, headers=owner).status_code == 200
    assert client.get(path, headers=owner).json()["question_count"] == 4

    # Reorder: every question once, else 409; removing closes the gap.
    order = [new_id, third["id"], first["id"], second["id"]]
    assert (
        client.put(f"{path}/order", json={"item_ids": order[:3]}, headers=owner).status_code == 409
    )
    reordered = client.put(f"{path}/order", json={"item_ids": order}, headers=owner)
    assert [q["id"] for q in reordered.json()["questions"]] == order
    assert client.delete(f"{path}/items/{third['id']}", headers=owner).status_code == 204
    left = client.get(path, headers=owner).json()["questions"]
    assert [(q["id"], q["ordinal"]) for q in left] == [
        (new_id, 0),
        (first["id"], 1),
        (second["id"], 2),
    ]
    renamed = client.patch(path, json={"topic": "Leaves, week 2"}, headers=owner).json()
    assert renamed["topic"] == "Leaves, week 2"

    # Someone else's set is not found by any of these.
    assert edit(client, stranger, set_id, first["id"], question="Anything at all here?",
                options=OPTIONS, answer="nucleus").status_code == 404  # fmt: skip
    assert (
        client.post(
            f"{path}/items", json={**body, "id": str(uuid.uuid4())}, headers=stranger
        ).status_code
        == 404
    )
    assert client.delete(f"{path}/items/{first['id']}", headers=stranger).status_code == 404
    assert (
        client.put(f"{path}/order", json={"item_ids": order}, headers=stranger).status_code == 404
    )
    assert client.patch(path, json={"topic": "Mine"}, headers=stranger).status_code == 404
    assert client.get(path, headers=owner).json()["topic"] == "Leaves, week 2"
