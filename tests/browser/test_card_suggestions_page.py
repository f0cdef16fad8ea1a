"""Cards from my notes on the deck page: choose a document, start, watch the suggestions come,
accept one with the keyboard and see it among the deck's cards; one with an unsupported answer
never shows."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.scripted_chat import ScriptedChatModel
from tests.study_worker import scripted_study_worker
from tutor.settings import Settings

from .conftest import check_accessibility, create_account, screenshot
from .pages import ingest_note, sign_in

PASSAGE = (
    "Photosynthesis in plants takes place in the chloroplasts of leaf cells. "
    "Chlorophyll, the green pigment in chloroplasts, absorbs red and blue light. "
    "Plants store surplus glucose as starch in their roots and seeds."
)
CARDS = [
    {
        "question": "Which pigment in chloroplasts absorbs red and blue light?",
        "answer": "Chlorophyll",
        "quote": "Chlorophyll, the green pigment in chloroplasts, absorbs red and blue light.",
    },
    {
        "question": "As what do plants store surplus glucose?",
        "answer": "starch",
        "quote": "Plants store surplus glucose as starch in their roots and seeds.",
    },
    {
        "question": "Where do plants release oxygen?",
        "answer": "through the stomata",
        "quote": "Photosynthesis in plants takes place in the chloroplasts of leaf cells.",
    },
]


def test_accept_a_card_suggested_from_my_notes(
    page: Page,
    live_server: str,
    settings: Settings,
    embedder: Any,
    worker: subprocess.Popen[bytes],
    chat: ScriptedChatModel,
) -> None:
    account = create_account(live_server)
    ingest_note(live_server, account, "plants.md", f"# Plant biology\n\n{PASSAGE}\n".encode())
    headers = {"Authorization": f"Bearer {account.token}"}
    deck = httpx.post(
        f"{live_server}/api/v1/decks", headers=headers, json={"name": "Plants"}
    ).json()
    chat.script(json.dumps({"cards": CARDS}), delay_s=0.01)

    with scripted_study_worker(settings, embedder, chat, worker):
        sign_in(page, account, f"#/cards/{deck['id']}")
        panel = page.get_by_role("region", name="Cards from my notes")
        panel.get_by_label("plants.md").check()
        panel.get_by_label("How many cards").fill("3")
        panel.get_by_role("button", name="Write cards").click()
        expect(panel.get_by_role("status")).to_contain_text("Done", timeout=30_000)
        expect(panel.get_by_role("heading", name="Suggested cards (2)")).to_be_visible()

    expect(panel).to_contain_text("1 (the quote does not state the answer)")
    expect(panel).not_to_contain_text("stomata")
    expect(panel).to_contain_text("plants.md")
    assert check_accessibility(page) == []
    screenshot(page, "card-suggestions")

    accept = panel.get_by_role("button", name=f"Accept: {CARDS[0]['question']}")
    accept.focus()
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name="Suggested cards (1)")).to_be_visible()
    cards = page.get_by_role("region", name="Cards", exact=True)
    expect(cards).to_contain_text(CARDS[0]["question"])
    expect(cards).to_contain_text("from plants.md")

    reject = panel.get_by_role("button", name=f"Reject: {CARDS[1]['question']}")
    reject.focus()
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name="Suggested cards")).to_have_count(0)
    expect(cards).not_to_contain_text(CARDS[1]["question"])
