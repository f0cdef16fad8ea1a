"""Citation markers in streamed text: `[n]` that point to a provided source pass, others vanish.

The model sees sources numbered 1..N. A marker naming a number outside that set (a phantom
citation) is removed before the student sees it, and counted. Because text arrives in
arbitrary pieces, a `[` that could still become a marker is held back until it resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# `[3]`, `[1, 2]`, `[1,2,3]`; a lone `[` followed by digits/commas/spaces may still grow.
MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
OPEN_MARKER = re.compile(r"\[[\d,\s]{0,16}\Z")


@dataclass
class CitationFilter:
    """Feeds on raw model text, emits text with only valid markers; remembers what was cited."""

    valid: frozenset[int]
    cited: list[int] = field(default_factory=list)  # in order of first use
    phantoms: int = 0
    _pending: str = ""

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
        return MARKER.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        kept = [n for n in numbers if n in self.valid]
        self.phantoms += len(numbers) - len(kept)
        for n in kept:
            if n not in self.cited:
                self.cited.append(n)
        return "".join(f"[{n}]" for n in kept)


def strip_markers(text: str) -> str:
    """Text with every `[n]` marker removed (for checks that compare plain wording)."""
    return re.sub(r"\s*" + MARKER.pattern, "", text)
