"""Assignments on the real stack: a teacher publishes a practice set to a class, students get a
task and a notification, submit (graded at once, an unsure short answer waiting), see their own
results only, a teacher settles and overrides grades (audited), and the gradebook and its CSV
count late and missing work."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from psycopg import AsyncConnection

from api.routes.assignments import GradebookPublic
from tests.conftest import register
from tests.test_classes_api import join, new_class, teacher
from tests.test_practice_attempts_api import HALF_RIGHT, KEY, committed, saved_set

API = "/api/v1"


def publish(client: TestClient, headers: dict[str, str], class_id: str, **fields: Any) -> Any:
    body = {"title": "Week 1 quiz", "attempts_allowed": 2, **fields}
    body.setdefault("due_at", (datetime.now(UTC) + timedelta(days=1)).isoformat())
    return client.post(f"{API}/classes/{class_id}/assignments", json=body, headers=headers)


def submit(
    client: TestClient, headers: dict[str, str], assignment_id: str, answers: list[Any], **kw: Any
) -> Any:
    body = {"submission_id": str(kw.get("submission_id") or uuid.uuid4()), "answers": answers}
    path = f"{API}/assignments/{assignment_id}/submissions"
    return client.post(path, json=body, headers=headers)


def named(client: TestClient, name: str) -> dict[str, str]:
    headers = register(client)
    assert client.patch(f"{API}/me", json={"display_name": name}, headers=headers).is_success
    return headers


def test_publish_submit_review_override_and_gradebook(client, settings):
    owner, outsider = teacher(client, settings), register(client)
    ada, bo = named(client, "Ada"), named(client, "Bo")
    made = new_class(client, owner, name="Biology 9B")
    for student in (ada, bo):
        assert join(client, student, made["join_code"]).status_code == 200
    practice_set = saved_set(client, settings, owner)

    # Only a teacher of the class publishes, only their own set, due after it opens.
    refused = publish(client, ada, made["id"], set_id=practice_set["id"])
    assert refused.status_code == 403
    theirs = saved_set(client, settings, ada)
    assert publish(client, owner, made["id"], set_id=theirs["id"]).status_code == 404
    backwards = publish(
        client, owner, made["id"], set_id=practice_set["id"],
        opens_at=datetime.now(UTC).isoformat(),
        due_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    )  # fmt: skip
    assert backwards.status_code == 422
    published = publish(client, owner, made["id"], set_id=practice_set["id"])
    assert published.status_code == 201, published.text
    assignment = published.json()
    assert assignment["questions"] == 3 and assignment["submitted"] == 0
    path = f"{API}/assignments/{assignment['id']}"

    # Each student has a task and a notification; the questions come without their keys.
    for student in (ada, bo):
        tasks = client.get(f"{API}/tasks", params={"view": "open"}, headers=student).json()
        assert [t["assignment_id"] for t in tasks["items"]] == [assignment["id"]]
        notes = client.get(f"{API}/notifications", headers=student).json()["items"]
        assert any(n["type"] == "assignment.published" for n in notes)
    seen = client.get(path, headers=ada).json()
    mc, short, count = seen["questions"]  # copied at publishing: ids of their own
    assert {q["id"] for q in seen["questions"]}.isdisjoint(
        q["id"] for q in practice_set["questions"]
    )
    assert [q["answer"] for q in seen["questions"]] == [None, None, None]
    assert all(q["quote"] is None for q in seen["questions"])
    assert client.get(path, headers=outsider).status_code == 404
    assert (
        client.get(f"{API}/classes/{made['id']}/assignments", headers=outsider).status_code == 404
    )

    # Ada: the right option, the key, one question left blank; a retry returns the same.
    first_id = uuid.uuid4()
    answers = [{"item_id": mc["id"], "answer": 2}, {"item_id": short["id"], "answer": KEY}]
    done = submit(client, ada, assignment["id"], answers, submission_id=first_id)
    assert done.status_code == 200, done.text
    result = done.json()
    assert [a["verdict"] for a in result["answers"]] == ["correct", "correct", "incorrect"]
    assert result["score"] == 2 / 3 and result["attempt"] == 1 and result["late"] is False
    assert result["answers"][2]["answer"] == "" and result["answers"][0]["key"] == "chloroplast"
    again = submit(client, ada, assignment["id"], answers, submission_id=first_id).json()
    assert again["id"] == result["id"] and again["attempt"] == 1
    assert client.get(path, headers=ada).json()["questions"][0]["answer"] == "chloroplast"
    done_tasks = client.get(f"{API}/tasks", params={"view": "done"}, headers=ada).json()["items"]
    assert [t["assignment_id"] for t in done_tasks] == [assignment["id"]]
    # The learning record: XP for each answer right the first time, the set by its score, and
    # the task done on time.
    ada_id = client.get(f"{API}/me", headers=ada).json()["id"]
    earned = committed(settings, rules_of(ada_id))
    expected = {"practice_correct": 2, "set_completed": 1, "task_on_time": 1}
    assert {rule: earned.get(rule) for rule in expected} == expected

    # Bo: a wrong option, an answer the grader is unsure of, the last one right.
    bo_answers = [
        {"item_id": mc["id"], "answer": 0},
        {"item_id": short["id"], "answer": HALF_RIGHT},
        {"item_id": count["id"], "answer": "twenty-one"},
    ]
    bo_result = submit(client, bo, assignment["id"], bo_answers).json()
    assert [a["verdict"] for a in bo_result["answers"]] == ["incorrect", "uncertain", "correct"]
    assert bo_result["waiting"] == 1 and bo_result["score"] == 1 / 3
    # Nobody reads a classmate's submissions.
    mine = client.get(f"{path}/submissions", headers=bo).json()
    assert [s["id"] for s in mine] == [bo_result["id"]]

    # The review queue: the unsure answer, for the class's teachers only.
    queue = f"{API}/classes/{made['id']}/review-queue"
    assert client.get(queue, headers=bo).status_code == 403
    [waiting] = client.get(queue, headers=owner).json()
    assert waiting["student_name"] == "Bo" and waiting["answer"] == HALF_RIGHT
    assert waiting["key"] == KEY
    grade = f"{path}/submissions/{waiting['submission_id']}/answers/{waiting['item_id']}/grade"
    assert client.put(grade, json={"correct": True}, headers=bo).status_code == 403
    assert client.put(grade, json={"correct": True}, headers=owner).status_code == 204
    assert client.get(queue, headers=owner).json() == []
    [settled] = client.get(f"{path}/submissions", headers=bo).json()
    assert settled["score"] == 2 / 3 and settled["answers"][1]["graded_by_teacher"] is True

    # An override of the grader, audited with the grade it replaced.
    override = f"{path}/submissions/{first_id}/answers/{mc['id']}/grade"
    assert client.put(override, json={"correct": False}, headers=owner).status_code == 204

    async def trail(conn: AsyncConnection) -> list[Any]:
        cur = await conn.execute(
            "SELECT details->'before', details->'after' FROM audit_events"
            " WHERE action = 'assignment.graded' AND subject_id = %s",
            (ada_id,),
        )
        return list(await cur.fetchall())

    assert committed(settings, trail) == [(True, False)]

    # Attempts are limited; teachers do not submit.
    second = submit(client, ada, assignment["id"], answers)
    assert second.status_code == 200 and second.json()["attempt"] == 2
    # A second attempt earns nothing more: its answers were not first tries.
    assert committed(settings, rules_of(ada_id))["practice_correct"] == 2
    third = submit(client, ada, assignment["id"], answers)
    assert third.status_code == 409 and third.json()["error"]["code"] == "no_attempts_left"
    teacher_try = submit(client, owner, assignment["id"], answers)
    assert teacher_try.status_code == 403

    # The gradebook: best submissions (Ada's second, 2/3; Bo's settled 2/3), as JSON and CSV.
    book = client.get(f"{API}/classes/{made['id']}/gradebook", headers=owner).json()
    GradebookPublic.model_validate(book)  # written as JSON text: it must still be the schema
    assert [c["title"] for c in book["columns"]] == ["Week 1 quiz"]
    by_name = {r["display_name"]: r for r in book["rows"]}
    assert by_name["Ada"]["cells"][0]["attempts"] == 2
    assert by_name["Ada"]["cells"][0]["score"] == 2 / 3
    assert by_name["Bo"]["cells"][0]["status"] == "submitted"
    assert client.get(f"{API}/classes/{made['id']}/gradebook", headers=ada).status_code == 403
    exported = client.get(f"{API}/classes/{made['id']}/gradebook.csv", headers=owner)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["student", "Week 1 quiz", "average", "missing", "struggling"]
    assert sorted(rows[1:]) == [["Ada", "67", "67", "0", ""], ["Bo", "67", "67", "0", ""]]
    assert not any(r["struggling"] for r in book["rows"])

    # Item analysis over the first submissions (Ada's 1/3 after the override, Bo's 2/3).
    analysis = client.get(f"{path}/analysis", headers=owner).json()
    assert (analysis["students"], analysis["submitted"]) == (2, 2)
    assert analysis["histogram"] == [0, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    first, second, third = analysis["items"]
    assert first["facility"] == 0 and first["distractor_counts"] == [1, 0, 1, 0]
    assert "too_hard" in first["flags"]
    assert second["facility"] == 1 and "too_easy" in second["flags"]
    # Bo (total 2) is the upper group, Ada (total 1) the lower: only Bo got the third right.
    assert third["facility"] == 0.5 and third["discrimination"] == 1
    assert client.get(f"{path}/analysis", headers=bo).status_code == 403
    assert client.get(f"{path}/analysis", headers=outsider).status_code == 404


def test_not_open_late_and_missing_work(client, settings):
    owner = teacher(client, settings)
    ada, bo = named(client, "=Ada"), named(client, "Bo")
    made = new_class(client, owner, name="Chemistry")
    for student in (ada, bo):
        assert join(client, student, made["join_code"]).status_code == 200
    practice_set = saved_set(client, settings, owner)
    now = datetime.now(UTC)

    later = publish(
        client, owner, made["id"], set_id=practice_set["id"], title="Next week",
        opens_at=(now + timedelta(days=6)).isoformat(),
        due_at=(now + timedelta(days=7)).isoformat(),
    ).json()  # fmt: skip
    refused = submit(
        client, ada, later["id"], [{"item_id": past_item(client, ada, later), "answer": 2}]
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "assignment_not_open"

    past = publish(
        client, owner, made["id"], set_id=practice_set["id"], title="Last week",
        opens_at=(now - timedelta(days=8)).isoformat(),
        due_at=(now - timedelta(days=1)).isoformat(),
    ).json()  # fmt: skip
    late = submit(client, ada, past["id"], [{"item_id": past_item(client, ada, past), "answer": 2}])
    assert late.status_code == 200 and late.json()["late"] is True

    # Someone joining now gets a task for what is still open, not for what is past due.
    cy = named(client, "Cy")
    assert join(client, cy, made["join_code"]).status_code == 200
    tasks = client.get(f"{API}/tasks", params={"view": "open"}, headers=cy).json()["items"]
    assert [t["assignment_id"] for t in tasks] == [later["id"]]
    assert join(client, cy, made["join_code"]).status_code == 200  # twice: still one task
    tasks = client.get(f"{API}/tasks", params={"view": "open"}, headers=cy).json()["items"]
    assert len(tasks) == 1

    book = client.get(f"{API}/classes/{made['id']}/gradebook", headers=owner).json()
    assert [c["title"] for c in book["columns"]] == ["Last week", "Next week"]
    by_name = {r["display_name"]: r for r in book["rows"]}
    assert [c["status"] for c in by_name["=Ada"]["cells"]] == ["late", "open"]
    assert [c["status"] for c in by_name["Cy"]["cells"]] == ["excused", "open"]  # joined later
    assert by_name["Cy"]["average"] is None and by_name["Cy"]["missing"] == 0
    assert [c["status"] for c in by_name["Bo"]["cells"]] == ["missing", "open"]
    assert by_name["Bo"]["average"] == 0 and by_name["Bo"]["missing"] == 1
    rows = list(csv.reader(io.StringIO(
        client.get(f"{API}/classes/{made['id']}/gradebook.csv", headers=owner).text
    )))  # fmt: skip
    assert ["Bo", "missing", "", "0", "1", ""] in rows
    assert ["Cy", "excused", "", "", "0", ""] in rows
    # A name that a spreadsheet would read as a formula is written as text; 33% over the
    # last 30 days is under the struggling line.
    assert ["'=Ada", "33", "", "33", "0", "low_average"] in rows
    assert by_name["=Ada"]["struggling"] is True and by_name["=Ada"]["reasons"] == ["low_average"]
    assert by_name["Bo"]["struggling"] is False  # one missing is not yet two

    # A teacher excuses Bo's missing work (audited); a student cannot; nor can anyone excuse
    # someone outside the class. Taking it back makes it missing again.
    bo_id = client.get(f"{API}/me", headers=bo).json()["id"]
    excusal = f"{API}/assignments/{past['id']}/excusals/{bo_id}"
    assert client.put(excusal, headers=bo).status_code == 403
    stranger = client.get(f"{API}/me", headers=register(client)).json()["id"]
    outside = client.put(f"{API}/assignments/{past['id']}/excusals/{stranger}", headers=owner)
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "student_not_in_class"
    assert client.put(excusal, headers=owner).status_code == 204
    book = client.get(f"{API}/classes/{made['id']}/gradebook", headers=owner).json()
    bo_row = next(r for r in book["rows"] if r["display_name"] == "Bo")
    assert [c["status"] for c in bo_row["cells"]] == ["excused", "open"]
    assert bo_row["average"] is None and bo_row["missing"] == 0
    assert client.delete(excusal, headers=owner).status_code == 204
    book = client.get(f"{API}/classes/{made['id']}/gradebook", headers=owner).json()
    bo_row = next(r for r in book["rows"] if r["display_name"] == "Bo")
    assert [c["status"] for c in bo_row["cells"]] == ["missing", "open"]

    async def excusals(conn: AsyncConnection) -> list[Any]:
        cur = await conn.execute(
            "SELECT action FROM audit_events WHERE subject_id = %s AND action LIKE 'assignment.%%'"
            " ORDER BY at",
            (bo_id,),
        )
        return [row[0] for row in await cur.fetchall()]

    assert committed(settings, excusals) == ["assignment.excused", "assignment.unexcused"]


def rules_of(user_id: str) -> Any:
    """How many ledger rows each XP rule has for the user."""

    async def read(conn: AsyncConnection) -> dict[str, int]:
        cur = await conn.execute(
            "SELECT rule, count(*) FROM xp_events WHERE user_id = %s GROUP BY rule", (user_id,)
        )
        return {rule: int(count) for rule, count in await cur.fetchall()}

    return read


def past_item(client: TestClient, headers: dict[str, str], assignment: dict[str, Any]) -> str:
    """The first question of an assignment, as its student sees it."""
    seen = client.get(f"{API}/assignments/{assignment['id']}", headers=headers).json()
    return str(seen["questions"][0]["id"])
