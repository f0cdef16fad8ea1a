"""Cloze deletions: `{{c1::answer}}` or `{{c1::answer::hint}}` in a note's text.

A cloze note makes one card per deletion number: card n hides every deletion numbered n (shown
as `[...]`, or `[hint]` when the deletion has one) and shows the others as plain text. Numbers
start at 1; the same number may appear several times and then hides all of them together. Text
that is not a well-formed deletion (`{{c0::x}}`, `{{c1::}}`, an unclosed `{{c1::x`) is kept
as written, so a typo never loses the student's words.
"""

from __future__ import annotations

import re

DELETION = re.compile(
    r"\{\{c([1-9][0-9]{0,2})::((?:(?!::|\}\}).)+?)(?:::((?:(?!\}\}).)*?))?\}\}", re.S
)
BLANK = "[...]"


def deletions(text: str) -> list[int]:
    """The deletion numbers in `text`, ascending, each once."""
    return sorted({int(m.group(1)) for m in DELETION.finditer(text)})


def render_question(text: str, number: int) -> str:
    """The question side of card `number`: its deletions blanked, the others revealed."""

    def replace(match: re.Match[str]) -> str:
        if int(match.group(1)) != number:
            return match.group(2)
        hint = match.group(3)
        return f"[{hint}]" if hint else BLANK

    return DELETION.sub(replace, text)


def render_answer(text: str) -> str:
    """The answer side: every deletion revealed."""
    return DELETION.sub(lambda match: match.group(2), text)


def answers(text: str, number: int) -> list[str]:
    """What card `number` asks for, in reading order."""
    return [m.group(2) for m in DELETION.finditer(text) if int(m.group(1)) == number]
