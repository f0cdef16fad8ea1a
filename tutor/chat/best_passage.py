"""The passage of the student's notes that best answers the question, found in milliseconds.

The local model takes seconds to read its prompt before it writes a word; the student should
not stare at nothing meanwhile. Right after retrieval the engine sends the sources and, from
the top few, the sentence (with its neighbour when that reads on) closest to the question in
embedding space: often the answer itself, in the notes' own words, with file and pages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingestion.embedding import Embedder
from tutor.chat.grounding import Source, prose_sentences

TOP_SOURCES = 3  # sentences are drawn from this many of the most similar sources
MIN_CHARS, MAX_CHARS = 25, 400  # shorter is a fragment or a label; longer is not "a passage"
FOLLOW_SHARE = 0.8  # the next sentence joins when it is nearly as close to the question
PASSAGE_CHARS = 420


@dataclass(frozen=True)
class Candidate:
    """A sentence of a source, with the one after it in the same chunk (if any)."""

    source: Source
    text: str
    following: str | None


def candidates(sources: list[Source]) -> list[Candidate]:
    """Sentences worth showing from the most similar sources."""
    top = sorted(sources, key=lambda s: -s.similarity)[:TOP_SOURCES]
    found = []
    for source in top:
        sentences = [s for s in prose_sentences(source.hit.text) if MIN_CHARS <= len(s)]
        for i, sentence in enumerate(sentences):
            if len(sentence) <= MAX_CHARS:
                following = sentences[i + 1] if i + 1 < len(sentences) else None
                found.append(Candidate(source, sentence, following))
    return found


def pick(candidates: list[Candidate], scores: np.ndarray, next_scores: dict[int, float]) -> str:
    """The best sentence, joined by the next one when it is nearly as close and short enough."""
    best = int(np.argmax(scores))
    chosen = candidates[best]
    text = chosen.text
    following = next_scores.get(best)
    if (
        chosen.following is not None
        and following is not None
        and following >= FOLLOW_SHARE * float(scores[best])
        and len(text) + len(chosen.following) < PASSAGE_CHARS
    ):
        text = f"{text} {chosen.following}"
    return text


async def best_passage(
    embedder: Embedder, query: np.ndarray, sources: list[Source]
) -> dict[str, Any] | None:
    """The protocol's `best` item: `{n, chunk_id, document_id, filename, page_start, page_end,
    text, similarity}`, or None when no source has a sentence to offer."""
    found = candidates(sources)
    if not found:
        return None
    texts = [c.text for c in found]
    vectors = await asyncio.to_thread(embedder.embed, texts)
    scores = np.asarray(vectors) @ np.asarray(query)
    index = {(id(c.source), c.text): i for i, c in enumerate(found)}
    next_scores = {
        i: float(scores[index[(id(c.source), c.following)]])
        for i, c in enumerate(found)
        if c.following is not None and (id(c.source), c.following) in index
    }
    best = int(np.argmax(scores))
    source = found[best].source
    hit = source.hit
    return {
        "n": source.n,
        "chunk_id": hit.chunk_id,
        "document_id": str(hit.document_id),
        "filename": hit.filename,
        "page_start": hit.page_start,
        "page_end": hit.page_end,
        "text": pick(found, scores, next_scores),
        "similarity": round(float(scores[best]), 4),
    }
