"""The passage of the student's notes that best answers the question, found in milliseconds.

The local model takes seconds to read its prompt before it writes a word; the student should
not stare at nothing meanwhile. Right after retrieval the engine sends the sources and the
sentence closest to the question in embedding space (scored once for the sharp context, see
sharp_context.py), with its neighbour when that reads on: often the answer itself, in the
notes' own words, with file and pages.
"""

from __future__ import annotations

from typing import Any

from tutor.chat.grounding import Source
from tutor.chat.sharp_context import Sentence

MAX_CHARS = 400  # a longer "sentence" is a run-on table or list, not a passage
FOLLOW_SHARE = 0.8  # the next sentence joins when it is nearly as close to the question
PASSAGE_CHARS = 420


def best_passage(sentences: list[Sentence], shown: list[Source]) -> dict[str, Any] | None:
    """The protocol's `best` item, `{n, chunk_id, document_id, filename, page_start, page_end,
    text, similarity}`, numbered as in `shown` (the sources the model reads); None when no
    sentence qualifies."""
    number = {s.hit.chunk_id: s.n for s in shown}
    candidates = [
        s for s in sentences if len(s.text) <= MAX_CHARS and s.source.hit.chunk_id in number
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda s: s.score)
    text = best.text
    following = next(
        (s for s in sentences if s.source is best.source and s.index == best.index + 1), None
    )
    if (
        following is not None
        and following.score >= FOLLOW_SHARE * best.score
        and len(text) + len(following.text) < PASSAGE_CHARS
    ):
        text = f"{text} {following.text}"
    hit = best.source.hit
    return {
        "n": number[hit.chunk_id],
        "chunk_id": hit.chunk_id,
        "document_id": str(hit.document_id),
        "filename": hit.filename,
        "page_start": hit.page_start,
        "page_end": hit.page_end,
        "text": text,
        "similarity": round(best.score, 4),
    }
