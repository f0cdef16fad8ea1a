"""A saved practice set answered in the page: graded by the server, the score, a flashcard offer
under a wrong answer; and the set downloaded for Moodle (GIFT) and Anki."""

from __future__ import annotations

import re
import zipfile

import httpx
from playwright.sync_api import Page, expect

from tests import gift_reader
from tests.scripted_chat import ScriptedChatModel

from .conftest import Account, check_accessibility, create_account, screenshot
from .pages import choose_mode, ingest_note, sign_in
from .scripted_replies import practice_reply

NOTE = b"""# Volcanoes

A stratovolcano is a tall, conical volcano built up by many layers of hardened lava and ash.
Magma reaches the surface through a central vent called the conduit.
Pyroclastic flows are fast-moving currents of hot gas and volcanic matter.
Mount Fuji, in Japan, is a famous stratovolcano that last erupted in 1707.
"""


def http(live_server: str, account: Account) -> httpx.Client:
    headers = {"Authorization": f"Bearer {account.token}"}
    return httpx.Client(base_url=f"{live_server}/api/v1", headers=headers, timeout=30)


def saved_set(page: Page, chat: ScriptedChatModel) -> None:
    """Ask the tutor for practice questions, then open the saved set from the list."""
    chat.script()
    chat.default = practice_reply
    choose_mode(page, "Practice")
    page.get_by_label("Questions").select_option("3")
    page.get_by_label("Your question").fill("volcanoes")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("article.assistant").last).to_contain_text(
        re.compile(r"practice questions? on volcanoes"), timeout=20_000
    )
    page.get_by_role("link", name="Practice", exact=True).click()
    page.get_by_role("link", name="volcanoes").click()
    expect(page).to_have_url(re.compile(r"#/practice/[0-9a-f-]{36}$"))


def test_answering_a_saved_set(page: Page, live_server: str, chat: ScriptedChatModel) -> None:
    account = create_account(live_server)
    ingest_note(live_server, account, "volcanoes.md", NOTE)
    with http(live_server, account) as api:
        api.post("/decks", json={"name": "Earth science"}).raise_for_status()
    sign_in(page, account, route="#/tutor")
    saved_set(page, chat)
    set_id = page.url.rsplit("/", 1)[-1]
    with http(live_server, account) as api:
        questions = api.get(f"/practice-sets/{set_id}").json()["questions"]
    assert len(questions) >= 2, questions  # one to get right and one to get wrong
    forms = page.locator("form.question")
    expect(forms).to_have_count(len(questions))
    expect(page.get_by_role("status").filter(has_text="Score")).to_have_count(0)

    # The first answered right, by keyboard: pick the key's radio button, Enter submits.
    first, second = forms.nth(0), forms.nth(1)
    first.get_by_label(questions[0]["answer"], exact=True).check()
    first.get_by_label(questions[0]["answer"], exact=True).press("Enter")
    expect(first.locator(".verdict")).to_have_text("✓ Correct.")
    expect(first.locator(".explanation")).to_have_text(questions[0]["explanation"])
    expect(first).to_contain_text(questions[0]["quote"])
    expect(first.get_by_role("button", name="Make a flashcard")).to_have_count(0)

    # The second answered wrong, with the mouse: the key is shown, and a flashcard offered.
    wrong = next(o for o in questions[1]["options"] if o != questions[1]["answer"])
    second.get_by_label(wrong, exact=True).check()
    second.get_by_role("button", name="Submit").click()
    expect(second.locator(".verdict")).to_have_text(
        f"✗ Not quite. The answer is: {questions[1]['answer']}"
    )
    expect(second).to_contain_text(f"Your answer: {wrong}")
    expect(page.locator(".score")).to_have_text(
        re.compile(r"^Score: 1 of 2 answered correctly \(50 %\)")
    )
    make_card = second.get_by_role("button", name="Make a flashcard from question 2")
    make_card.click()
    expect(second.get_by_label("Deck")).to_be_focused()
    expect(second.get_by_label("Deck").locator("option")).to_have_text(["Earth science"])
    screenshot(page, "practice-set-answered")
    assert check_accessibility(page) == []
    second.get_by_role("button", name="Add card").click()
    expect(second.get_by_role("status")).to_have_text("Card added to Earth science.")
    with http(live_server, account) as api:
        deck = api.get("/decks").json()["items"][0]
        notes = api.get(f"/decks/{deck['id']}/notes").json()["items"]
    assert [n["front"] for n in notes] == [questions[1]["question"]]
    assert notes[0]["back"].startswith(questions[1]["answer"])

    # The answers are kept: a reload shows them and the score again.
    page.reload()
    expect(page.locator("form.question").nth(1).locator(".verdict")).to_contain_text("Not quite")
    expect(page.locator(".score")).to_contain_text("Score: 1 of 2 answered correctly")
    with http(live_server, account) as api:
        listed = api.get(f"/practice-sets/{set_id}/attempts").json()
    assert [a["correct"] for a in listed["items"]] == [True, False]

    # Answering again replaces the verdict; the score follows the latest answer.
    again = page.locator("form.question").nth(1)
    again.get_by_role("button", name="Answer again, question 2").click()
    again.get_by_label(questions[1]["answer"], exact=True).check()
    again.get_by_role("button", name="Submit").click()
    expect(again.locator(".verdict")).to_have_text("✓ Correct.")
    expect(page.locator(".score")).to_contain_text("Score: 2 of 2 answered correctly (100 %)")


def test_exporting_a_saved_set(page: Page, live_server: str, chat: ScriptedChatModel) -> None:
    account = create_account(live_server)
    ingest_note(live_server, account, "volcanoes.md", NOTE)
    sign_in(page, account, route="#/tutor")
    saved_set(page, chat)
    set_id = page.url.rsplit("/", 1)[-1]
    with http(live_server, account) as api:
        questions = api.get(f"/practice-sets/{set_id}").json()["questions"]

    with page.expect_download() as caught:
        page.get_by_role("button", name="Export for Moodle (GIFT)").click()
    gift = caught.value
    assert gift.suggested_filename == "volcanoes.gift"
    read = gift_reader.read(gift.path().read_text(encoding="utf-8"))
    assert [q.text for q in read] == [q["question"] for q in questions]
    assert [q.right for q in read] == [[q["answer"]] for q in questions]
    assert [q.feedback for q in read] == [q["explanation"] for q in questions]
    assert all(q.title == f"Q{n} volcanoes" for n, q in enumerate(read, 1))
    assert all(q.comments == ["source: volcanoes.md"] for q in read)  # a note has no pages

    with page.expect_download() as caught:
        page.get_by_role("button", name="Export for Anki").click()
    anki = caught.value
    assert anki.suggested_filename == "volcanoes.apkg"
    assert zipfile.is_zipfile(anki.path())
    expect(page.get_by_role("alert")).to_have_count(0)
    screenshot(page, "practice-set-export")
    assert check_accessibility(page) == []
