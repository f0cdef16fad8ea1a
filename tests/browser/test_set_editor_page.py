"""A teacher's practice set in the web app: generated on the class page from a shared document
(the questions appear in the set editor as the worker writes them), an edit the checks refuse
(saying why), a sound edit, a question added by hand with its warning, and a reorder."""

from __future__ import annotations

import subprocess
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.scripted_replies import practice_reply
from tests.scripted_chat import ScriptedChatModel
from tests.study_worker import scripted_study_worker
from tests.test_tutor_ws import PIGMENTS
from tutor.settings import Settings

from .conftest import PageProblems, check_accessibility, screenshot
from .pages import ingest_note, sign_in
from .test_class_pages import class_with_student
from .test_gamification_pages import http


def test_generate_a_set_for_a_class_and_edit_it(
    page: Page,
    live_server: str,
    settings: Settings,
    embedder: Any,
    worker: subprocess.Popen[bytes],
    chat: ScriptedChatModel,
    page_problems: PageProblems,
) -> None:
    page_problems.allow(r"status of 422")  # the edit the checks refuse, below
    tag = uuid.uuid4().hex[:6]
    both = class_with_student(live_server, settings, tag)
    teacher, made = both.teacher, both.made
    ingest_note(live_server, teacher, "pigments.md", PIGMENTS)
    with http(live_server, teacher) as api:
        document = api.get("/documents").raise_for_status().json()["items"][0]
        shared = {"document_id": document["id"]}
        api.post(f"/classes/{made['id']}/materials", json=shared).raise_for_status()
    chat.default = practice_reply

    with scripted_study_worker(settings, embedder, chat, worker):
        sign_in(page, teacher, f"#/classes/{made['id']}")
        form = page.get_by_role("region", name="Generate a practice set")
        expect(form.get_by_label("pigments.md")).to_be_checked()  # the only material
        form.get_by_label("Questions").fill("2")
        form.get_by_label("Name").fill("Pigments quiz")
        form.get_by_role("button", name="Generate").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Edit: Pigments quiz")
        expect(page.get_by_test_id("generation")).to_contain_text(
            "Generated 2 of 2 questions", timeout=30_000
        )
    summary = page.get_by_test_id("set-summary")
    expect(summary).to_have_text("2 questions · the checks find nothing wrong")
    first = page.get_by_role("article", name="Question 1")
    answer = first.locator(".options li.key").inner_text().removesuffix(" ✓ answer")

    # An option repeating the answer: refused, and the editor says why.
    first.get_by_role("button", name="Edit question 1").click()
    editor = page.get_by_role("form", name="Edit question 1")
    expect(editor.get_by_label("Question")).to_be_focused()
    options = editor.get_by_label("Options, one per line")
    kept_options = options.input_value()
    options.fill(f"{kept_options}\n{answer.upper()}")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("alert")).to_contain_text("Two options say the same thing.")
    options.fill(kept_options)
    editor.get_by_label("Question").fill("Which pigment is named in your notes?")
    editor.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_have_text("Question 1 saved.")
    expect(first.locator(".stem")).to_have_text("Which pigment is named in your notes?")

    # A short-answer question by hand: saved with its warning, then moved up.
    page.get_by_role("button", name="Add a question by hand").click()
    new = page.get_by_role("form", name="New question")
    new.get_by_label("Kind").select_option("short_answer")
    new.get_by_label("Question").fill("What colour is chlorophyll?")
    new.get_by_role("textbox", name="Answer").fill("green")
    new.get_by_role("button", name="Save").click()
    third = page.get_by_role("article", name="Question 3")
    expect(third).to_contain_text("Written by hand: no passage of the notes backs its answer.")
    expect(summary).to_have_text("3 questions · 1 with something to check")
    third.get_by_role("button", name="Up: question 3").click()
    expect(page.get_by_role("article", name="Question 2").locator(".stem")).to_have_text(
        "What colour is chlorophyll?"
    )
    assert check_accessibility(page) == []
    screenshot(page, "set-editor")
