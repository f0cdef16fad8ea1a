"""Citation markers in streamed text: `[n]` that point to a provided source pass, others vanish.

The model sees sources numbered 1..N. A marker naming a number outside that set (a phantom
citation) is removed before the student sees it, and counted. Because text arrives in
arbitrary pieces, a `[` that could still become a marker is held back until it resolves.
A valid number is then checked against the sentence it closes (`resolve`, from
`tutor.chat.citation_check`): it may move to the source that says it, or go.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# `[3]`, `[1, 2]`, `[1,2,3]` or a run like `[2][1]` (one marker here), with the space before it,
# which goes when the whole marker goes. At the end of the text so far, space, a `[` followed
# by digits/commas/spaces, or a complete marker may still grow: they are held back.
MARKER = re.compile(r"(\s*)((?:\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+)")
OPEN_MARKER = re.compile(r"\s*(?:\[[\d,\s]{0,16}\]?)*\Z")
SHOWN_TAIL = 1000  # characters of shown text kept to find the sentence a marker closes


@dataclass
class CitationFilter:
    """Feeds on raw model text, emits text with only valid markers; remembers what was cited."""

    valid: frozenset[int]
    # Given the text before a marker and a number in it, the number to show (None: drop it);
    # see tutor/chat/citation_check.py. Without it every valid number passes as written.
    resolve: Callable[[str, int], int | None] | None = None
    cited: list[int] = field(default_factory=list)  # in order of first use
    phantoms: int = 0
    _pending: str = ""
    _shown: str = ""  # the tail of the text already let through, for `resolve`

    def feed(self, text: str) -> str:
        """The part of the text so far that is safe to show."""
        buffer = self._pending + text
        held = OPEN_MARKER.search(buffer)
        self._pending = buffer[held.start() :] if held else ""
        return self._clean(buffer[: held.start()] if held else buffer)

    def finish(self) -> str:
        """Whatever was held back at the end of the stream (an unclosed `[` is plain text)."""
        rest, self._pending = self._pending, ""
        return self._clean(rest)

    def _clean(self, text: str) -> str:
        out = MARKER.sub(self._replace, text)
        self._shown = (self._shown + out)[-SHOWN_TAIL:]
        return out

    def _replace(self, match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(2))]
        valid = [n for n in numbers if n in self.valid]
        self.phantoms += len(numbers) - len(valid)
        kept: list[int] = []
        for n in valid:
            shown = (
                self.resolve(self._shown + match.string[: match.start()], n) if self.resolve else n
            )
            if shown is not None and shown not in kept:
                kept.append(shown)
        for n in kept:
            if n not in self.cited:
                self.cited.append(n)
        return match.group(1) + "".join(f"[{n}]" for n in kept) if kept else ""


def strip_markers(text: str) -> str:
    """Text with every `[n]` marker removed (for checks that compare plain wording)."""
    return MARKER.sub("", text)
