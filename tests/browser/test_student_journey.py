"""A student's whole journey in real Chromium: sign up, upload, search, ask, hints, a quiz."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import shared_file
from tests.scripted_chat import ScriptedChatModel

from .conftest import screenshot
from .pages import choose_mode, document_row, record_statuses, seen_statuses, wait_status
from .scripted_replies import anchor_of, drafted_keys, practice_reply

ANSWER = "A Boots self-locking nut is two nuts in one [1]. A spring joins its two sections [1]."
HINT_1 = "Think about what joins the two sections of the nut. Look at [1]."
PRACTICE_HINT = "Look again at what the passage says about fastening plates [1]."
HINT_2 = "The passage names the part that pushes the sections apart; reread it [1]."


def test_student_journey(page: Page, chat: ScriptedChatModel) -> None:
    pdf = shared_file("documents/educational/amt_handbook_sample.pdf")
    docx = shared_file("documents/educational/handbook-1p.docx")

    # Sign up through the form.
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Display name").fill("Ada")
    page.get_by_label("Email").fill(f"ada-{page.evaluate('Date.now()')}@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    account = page.get_by_role("button", name="Ada")
    expect(account).to_be_visible()

    # The account menu: rename, and the menu stays open while doing it.
    account.click()
    page.get_by_role("button", name="Change display name").click()
    page.get_by_label("Display name").fill("Ada L.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="Ada L.")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()

    # Upload a PDF and a DOCX at once; both show progress and reach ready without a reload.
    record_statuses(page)
    page.get_by_label("Choose files").set_input_files([str(pdf), str(docx)])
    for path in (pdf, docx):
        wait_status(page, path.name, "ready")
        expect(document_row(page, path.name).locator(".badge.ready")).to_have_text("ready")
    for path in (pdf, docx):
        statuses = seen_statuses(page, path.name)
        assert statuses[0] in ("queued", "processing"), statuses
        assert statuses[-1] == "ready", statuses
    expect(document_row(page, pdf.name)).to_contain_text("1/1 pages")
    screenshot(page, "documents")

    # Search, in each mode: hits show the file, its pages and the matching text.
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("trustee duties")
    page.get_by_label("Exact words").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hit").first).to_contain_text(docx.name)
    page.get_by_label("Best of both").check()
    page.get_by_label("Search for").fill("self-locking nuts that hold tight under vibration")
    page.get_by_role("button", name="Search").click()
    first_hit = page.locator(".hit").first
    expect(first_hit).to_contain_text(pdf.name)
    expect(first_hit).to_contain_text("p. 1")
    assert len(first_hit.locator(".hit-text").inner_text()) > 40
    screenshot(page, "search")

    # Ask: the answer streams (Stop is offered meanwhile), its citation opens the passage.
    page.get_by_role("link", name="Tutor", exact=True).click()
    chat.script(ANSWER, delay_s=0.05)
    page.get_by_label("Your question").fill("How does a Boots self-locking nut hold tight?")
    page.get_by_role("button", name="Send").click()
    stop = page.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    answer = page.locator("article.assistant").last
    # Before the model's first word: the sentence of the notes closest to the question.
    best = answer.locator(".best-passage")
    expect(best).to_contain_text("From your notes: amt_handbook_sample.pdf, p. 1")
    assert "nut" in best.locator("blockquote").inner_text().lower()
    expect(answer).to_contain_text("two nuts in one")  # part of the text, while streaming
    expect(stop).to_be_hidden(timeout=15_000)
    expect(answer).to_contain_text("joins its two sections")
    marker = answer.locator("button.cite").first
    expect(marker).to_have_accessible_name(re.compile(r"^Source 1: "))
    marker.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    quote = dialog.locator(".quote").inner_text()
    assert len(quote) > 40
    expect(dialog.get_by_role("heading")).to_have_text(re.compile(r"\.(pdf|docx)$"))
    screenshot(page, "tutor-citation")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A hint at level 1, then the next level from the button under it.
    chat.script("Final answer: a spring", HINT_1)
    choose_mode(page, "Hint")
    question = "What keeps the locking section of a Boots nut pressed on the bolt?"
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Send").click()
    hint = page.locator("article.assistant").last
    expect(hint).to_contain_text("Hint 1 of 3")
    expect(hint).to_contain_text("Think about what joins the two sections")
    chat.script("Final answer: a spring", HINT_2)
    hint.get_by_role("button", name="Next hint (level 2)").click()
    hint = page.locator("article.assistant").last
    expect(hint).to_contain_text("Hint 2 of 3")
    expect(hint).to_contain_text("pushes the sections apart")

    # A practice quiz answered in the page.
    chat.script()
    chat.default = practice_reply  # every draft, and the blind check of its key
    choose_mode(page, "Practice")
    page.get_by_label("Questions").select_option("3")
    page.get_by_label("Your question").fill("self-locking nuts")
    page.get_by_role("button", name="Send").click()
    # Questions show as each passes its checks; the summary comes with the whole set.
    expect(page.locator("article.assistant").last).to_contain_text(
        re.compile(r"practice questions? on self-locking nuts"), timeout=15_000
    )
    quiz = page.locator("form.question").first
    written = page.locator("form.question").count()  # every question that passed its checks
    assert written >= 1
    key = drafted_keys(chat.calls)[0]
    anchor = next(a for call in chat.calls if (a := anchor_of(call)))

    # A hint on the question itself: its key is what the hint is checked not to give away.
    chat.script(PRACTICE_HINT)
    quiz.get_by_role("button", name="A hint for question 1").click()
    practice_hint = page.locator("article.assistant").last
    expect(practice_hint).to_contain_text("Hint 1 of 3")
    expect(practice_hint).to_contain_text("fastening plates")
    assert len(chat.calls) == 1  # the key was known: no private solving call first
    assert key.lower() not in PRACTICE_HINT.lower()  # (else the leak guard would replace it)
    quiz.get_by_label(key, exact=True).check()
    quiz.get_by_role("button", name="Check answer").click()
    expect(quiz.locator(".verdict")).to_have_text("✓ Correct.")
    expect(quiz.locator(".explanation")).to_have_text(anchor)  # the sentence the key comes from
    quiz.scroll_into_view_if_needed()
    screenshot(page, "tutor-practice")
    quiz.get_by_role("button", name=re.compile(r"\.(pdf|docx)")).click()
    expect(page.get_by_role("dialog")).to_contain_text(key)  # the sentence stating the key
    page.keyboard.press("Escape")

    # Reload: the conversation is in the history, and opening it shows every turn again.
    conversation_url = page.url
    assert re.search(r"#/tutor/[0-9a-f-]{36}$", conversation_url), conversation_url
    page.goto("/#/tutor")
    page.reload()
    history = page.get_by_role("navigation", name="Conversations")
    entry = history.get_by_role("link").first
    expect(entry).to_contain_text("Boots self-locking nut")
    entry.click()
    expect(page).to_have_url(conversation_url)
    expect(page.locator("article.assistant")).to_have_count(5)
    expect(page.locator("article.assistant").first).to_contain_text("joins its two sections")
    expect(page.locator("form.question")).to_have_count(written)

    # The practice set is listed and reopens as a quiz.
    page.get_by_role("link", name="Practice", exact=True).click()
    page.get_by_role("link", name="self-locking nuts").click()
    expect(page.locator("form.question")).to_have_count(written)
