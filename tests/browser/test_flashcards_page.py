"""The flashcards page: a deck, a basic and a cloze card, and a review by keyboard alone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import check_accessibility, create_account, screenshot
from .pages import sign_in


def add_card(page: Page, kind: str, fields: dict[str, str], added: str) -> None:
    page.get_by_label("Card type").select_option(label=kind)
    for label, text in fields.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="Add card").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_have_text(added)


def test_create_a_deck_add_cards_and_review_by_keyboard(page: Page, live_server: str) -> None:
    sign_in(page, create_account(live_server), "#/cards")
    expect(page.get_by_text("No decks yet")).to_be_visible()
    page.get_by_label("Deck name").fill("Cell biology")
    page.get_by_label("New cards a day").fill("10")
    page.get_by_role("button", name="Create deck").click()
    page.get_by_role("link", name="Cell biology").click()

    add_card(
        page,
        "Basic",
        {"Front (question)": "What makes ATP?", "Back (answer)": "Mitochondria"},
        "Added 1 card.",
    )
    cloze = "Text with deletions, e.g. {{c1::Paris}} is the capital of {{c2::France}}"
    add_card(
        page,
        "Cloze deletion",
        {cloze: "{{c1::DNA}} is copied into {{c2::RNA::a molecule}}"},
        "Added 2 cards.",
    )
    notes = page.locator("li.note")
    expect(notes).to_have_count(2)
    expect(page.locator(".deck-counts").first).to_contain_text("3 new")
    assert check_accessibility(page) == []
    screenshot(page, "flashcards-deck")

    page.get_by_role("link", name="Review this deck").click()
    progress = page.get_by_role("status").filter(has_text="left today")
    expect(progress).to_contain_text("3 left today")
    question = page.locator(".review-card .card-question")
    expect(question).to_have_text("What makes ATP?")
    page.keyboard.press("Space")
    expect(page.locator(".review-card .card-answer")).to_have_text("Mitochondria")
    expect(page.get_by_role("button", name="3 · Good")).to_contain_text("10 min")
    assert check_accessibility(page) == []
    screenshot(page, "flashcards-review")
    page.keyboard.press("3")
    expect(question).to_have_text("[...] is copied into RNA")
    expect(progress).to_contain_text("2 left today")

    page.keyboard.press("u")  # undo brings the first card back
    expect(question).to_have_text("What makes ATP?")
    expect(progress).to_contain_text("3 left today")

    for expected in (
        "What makes ATP?",
        "[...] is copied into RNA",
        "DNA is copied into [a molecule]",
    ):
        expect(question).to_have_text(expected)
        page.keyboard.press("Space")
        expect(page.locator(".review-card .card-answer")).to_be_visible()
        page.keyboard.press("3")
    expect(page.get_by_role("heading", name="Nothing left to review now")).to_be_visible()
    expect(page.get_by_text("3 cards you are learning come back later today")).to_be_visible()
    expect(progress).to_contain_text("3 reviewed")
    assert check_accessibility(page) == []
    screenshot(page, "flashcards-done")
