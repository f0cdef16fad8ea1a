"""A saved practice set out to other tools: Moodle's GIFT text, and an Anki package.

GIFT (Moodle's question import format) takes one question per block, blocks separated by a
blank line: `::title::text{answers}`, where `=` marks a right answer, `~` a wrong one and
`####` the general feedback. The characters `~ = # { } :` are markup, so every text written
escapes them with a backslash (and the backslash itself, as Moodle's own export does); a
newline is written `\\n`, so no text can end its block early.

The Anki package is the flashcard export's (`card_exchange.to_apkg`): its note type, and a deck
id and note GUIDs derived from the set's and items' ids, so importing a newer export of the same
set updates its notes instead of adding copies.
"""

from __future__ import annotations

import re

from tutor.chat.practice import PracticeItem, PracticeSetRecord
from tutor.study import card_exchange
from tutor.study.card_exchange import ExportNote

GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")
TITLE_TOPIC_CHARS = 80


def gift_escape(text: str) -> str:
    """`text` as GIFT reads it literally: markup characters escaped, newlines as `\\n`."""
    one_style = text.replace("\r\n", "\n").replace("\r", "\n")
    return GIFT_SPECIAL.sub(r"\\\1", one_style).replace("\n", "\\n")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _title(number: int, topic: str) -> str:
    topic = _one_line(topic)
    if len(topic) > TITLE_TOPIC_CHARS:
        topic = topic[: TITLE_TOPIC_CHARS - 1].rstrip() + "…"
    return f"Q{number} {topic}".strip()


def _note(item: PracticeItem) -> ExportNote:
    """The item as a flashcard export's note: front the question (and options), back the key."""
    front = item.question
    if item.kind == "multiple_choice":
        front += "\n\n" + "\n".join(f"• {option}" for option in item.options)
    explanation = item.explanation.strip()
    back = f"{item.answer}\n\n{explanation}" if explanation else item.answer
    return ExportNote(
        item.id, "basic", front, back, item.filename, item.page_start, item.page_end, item.quote
    )


def _source_comment(item: PracticeItem) -> str:
    pages = card_exchange.pages(_note(item))
    where = ", ".join(p for p in (_one_line(item.filename), f"p. {pages}" if pages else "") if p)
    return f"// source: {where}" if where else ""


def _answers(item: PracticeItem) -> list[str]:
    """`=right` and `~wrong` lines; a key missing from the options is added as the right one."""
    if item.kind != "multiple_choice":
        return [f"={gift_escape(item.answer)}"]
    lines = [("=" if o == item.answer else "~") + gift_escape(o) for o in item.options]
    if item.answer not in item.options:
        lines.append(f"={gift_escape(item.answer)}")
    return lines


def gift_question(number: int, topic: str, item: PracticeItem) -> str:
    """One item as a GIFT block: its source comment, title, text, answers and feedback."""
    comment = _source_comment(item)
    lines = [comment] if comment else []
    lines.append(f"::{gift_escape(_title(number, topic))}::{gift_escape(item.question)}{{")
    lines.extend(_answers(item))
    if item.explanation.strip():
        lines.append(f"####{gift_escape(item.explanation)}")
    lines.append("}")
    return "\n".join(lines)


def gift(practice_set: PracticeSetRecord, items: list[PracticeItem]) -> str:
    """The set as a GIFT file, ready for Moodle's question bank import."""
    blocks = [gift_question(n, practice_set.topic, item) for n, item in enumerate(items, 1)]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def anki_package(practice_set: PracticeSetRecord, items: list[PracticeItem]) -> bytes:
    """The set as an Anki package (.apkg): a deck named by its topic, one note per question."""
    notes = [_note(item) for item in items]
    return card_exchange.to_apkg(practice_set.id, practice_set.topic, notes)
