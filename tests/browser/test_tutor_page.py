"""The tutor page under trouble: a dropped connection mid-answer, cancel, refusals."""

from __future__ import annotations

import json

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.scripted_chat import ScriptedChatModel

from .conftest import Account, create_account
from .pages import ingest_note, sign_in

NOTE = b"""# Volcanoes

A stratovolcano is a tall, conical volcano built up by many layers of hardened lava and ash.
Magma reaches the surface through a central vent. Mount Fuji is a famous stratovolcano.
"""
LONG_ANSWER = " ".join(
    f"Sentence {i} of the answer says that stratovolcanoes are built in layers [1]."
    for i in range(12)
)


def account_with_note(live_server: str) -> Account:
    """A student with one small ready note, set up over HTTP."""
    account = create_account(live_server)
    ingest_note(live_server, account, "volcanoes.md", NOTE)
    return account


def test_dropped_connection_mid_answer_resumes_with_the_full_text(
    page: Page, live_server: str, chat: ScriptedChatModel
) -> None:
    connections: list[WebSocketRoute] = []
    deltas_before_drop = 5

    def relay(socket: WebSocketRoute) -> None:
        """Pass the tutor socket through; cut the first connection after a few deltas."""
        connections.append(socket)
        first = len(connections) == 1
        server = socket.connect_to_server()
        deltas = 0

        def from_server(message: str | bytes) -> None:
            nonlocal deltas
            socket.send(message)
            if first and json.loads(message)["type"] == "delta":
                deltas += 1
                if deltas == deltas_before_drop:
                    socket.close(code=4000, reason="test: connection dropped")
                    server.close()

        server.on_message(from_server)

    page.route_web_socket("**/api/v1/tutor?*", relay)
    sign_in(page, account_with_note(live_server), route="#/tutor")
    chat.script(LONG_ANSWER, delay_s=0.03)
    page.get_by_label("Your question").fill("How are stratovolcanoes built?")
    page.get_by_role("button", name="Send").click()

    answer = page.locator("article.assistant").last
    expect(answer).to_contain_text("Sentence 11 of the answer", timeout=30_000)
    expect(page.get_by_role("button", name="Send")).to_be_visible()  # the answer is done
    assert len(connections) == 2, "the page should have reconnected once"
    text = answer.locator(".answer-text").inner_text()
    for i in range(12):  # every sentence exactly once: rebuilt, not appended to
        assert text.count(f"Sentence {i} of the answer") == 1, text
    assert answer.locator("button.cite").count() == 12
    assert chat.closed_early == 0  # the generation went on while the page was away


def test_stop_cancels_the_answer(page: Page, live_server: str, chat: ScriptedChatModel) -> None:
    sign_in(page, account_with_note(live_server), route="#/tutor")
    chat.script(LONG_ANSWER, delay_s=0.1)
    expect(page.get_by_role("button", name="Send")).to_be_disabled()  # nothing typed yet
    page.get_by_label("Your question").fill("How are stratovolcanoes built?")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()  # typed, and connected
    page.keyboard.press("Enter")  # Enter sends; Shift+Enter would add a line
    answer = page.locator("article.assistant").last
    expect(answer).to_contain_text("Sentence 0")
    page.get_by_role("button", name="Stop").click()
    expect(answer).to_contain_text("Stopped.")
    assert "Sentence 11" not in answer.inner_text()


def test_a_question_the_notes_do_not_cover_is_labelled(
    page: Page, live_server: str, chat: ScriptedChatModel
) -> None:
    sign_in(page, account_with_note(live_server), route="#/tutor")
    chat.script("Rome was founded, by tradition, in 753 BC.")
    page.get_by_label("Your question").fill("When was Rome founded according to tradition?")
    page.get_by_role("button", name="Send").click()
    answer = page.locator("article.assistant").last
    label = answer.locator(".general-label")
    expect(label).to_have_text("⚠ General answer (not from your notes)")
    expect(answer.locator(".general-answer")).to_contain_text("753 BC")
    expect(answer).to_contain_text("Your notes don't seem to cover this.")


def test_the_student_chooses_which_notes_to_ask_about(
    page: Page, live_server: str, chat: ScriptedChatModel
) -> None:
    account = account_with_note(live_server)
    other = b"# Stratovolcano myths\n\nSome say that giants built stratovolcanoes, stacking stones."
    ingest_note(live_server, account, "myths.md", other)
    sign_in(page, account, route="#/tutor")
    page.get_by_text("Notes: all ready documents").click()
    page.get_by_label("myths.md").check()
    expect(page.get_by_text("Notes: 1 chosen")).to_be_visible()
    chat.script("They are said to be built by giants [1].")
    page.get_by_label("Your question").fill("How are stratovolcanoes built?")
    page.get_by_role("button", name="Send").click()
    answer = page.locator("article.assistant").last
    expect(answer.locator(".sources")).to_contain_text("myths.md")
    prompt = chat.prompts_text()
    assert "giants built stratovolcanoes" in prompt and "central vent" not in prompt


def test_reloading_mid_answer_follows_the_answer_to_its_end(
    page: Page, live_server: str, chat: ScriptedChatModel
) -> None:
    sign_in(page, account_with_note(live_server), route="#/tutor")
    chat.script(LONG_ANSWER, delay_s=0.05)
    page.get_by_label("Your question").fill("How are stratovolcanoes built?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("article.assistant").last).to_contain_text("Sentence 1 ")
    page.reload()  # the answer is still being written, by the server, for nobody
    answer = page.locator("article.assistant").last
    expect(answer).to_contain_text("Sentence 11 of the answer", timeout=30_000)
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert answer.locator(".answer-text").inner_text().count("Sentence 3 of the answer") == 1


def test_leaving_an_answer_for_a_new_conversation_keeps_both_apart(
    page: Page, live_server: str, chat: ScriptedChatModel
) -> None:
    sign_in(page, account_with_note(live_server), route="#/tutor")
    chat.script(LONG_ANSWER, "Magma rises through a central vent [1].", delay_s=0.05)
    page.get_by_label("Your question").fill("How are stratovolcanoes built?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("article.assistant").last).to_contain_text("Sentence 1 ")
    first_url = page.url

    page.get_by_role("button", name="+ New conversation").click()
    expect(page.locator("article.assistant")).to_have_count(0)
    page.get_by_label("Your question").fill("How does magma reach the surface?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("article.assistant").last).to_contain_text("central vent")
    expect(page.locator("article.assistant")).to_have_count(1)  # nothing of the first answer
    assert page.url != first_url

    page.goto(first_url)  # the first answer went on without the page, and was saved whole
    first = page.locator("article.assistant")
    expect(first).to_have_count(1)
    expect(first).to_contain_text("Sentence 11 of the answer", timeout=30_000)
    assert "central vent" not in first.inner_text()
