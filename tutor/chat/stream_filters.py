"""Holding back streamed text that may turn out to be the model's "not in the notes" signal."""

from __future__ import annotations

from dataclasses import dataclass

NOT_IN_NOTES = "NOT_IN_NOTES"


@dataclass
class SentinelFilter:
    """Removes `sentinel` from a stream, even split across pieces, and remembers seeing it."""

    sentinel: str = NOT_IN_NOTES
    found: bool = False
    shown: str = ""  # everything let through so far
    _pending: str = ""

    def feed(self, text: str) -> str:
        """Text that is certainly not part of the sentinel."""
        buffer = self._pending + text
        if self.sentinel in buffer:
            self.found = True
            buffer = buffer.replace(self.sentinel, "")
        keep = _partial_suffix(buffer, self.sentinel)
        self._pending = buffer[len(buffer) - keep :] if keep else ""
        out = buffer[: len(buffer) - keep]
        self.shown += out
        return out

    def finish(self) -> str:
        """What was held back once the stream has ended."""
        rest, self._pending = self._pending, ""
        self.shown += rest
        return rest

    @property
    def declined(self) -> bool:
        """The model said only the sentinel: the sources do not answer the question."""
        return self.found and not self.shown.strip(" \n.:-*`\"'")


def _partial_suffix(text: str, word: str) -> int:
    """Length of the longest end of `text` that is a proper start of `word`."""
    for size in range(min(len(text), len(word) - 1), 0, -1):
        if word.startswith(text[-size:]):
            return size
    return 0
