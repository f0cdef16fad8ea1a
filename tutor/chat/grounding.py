"""Numbered sources for a prompt: relevant chunks that fit the model's context, and quotes.

The model cites sources by number; the engine maps numbers back to chunks. Token counts are
estimated (the chat model's tokenizer lives on its server), deliberately on the high side so
a prompt never overflows the context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from retrieval.search import SearchHit
from tutor.chat.answerability import RelevanceGate

CHARS_PER_TOKEN = 3.2  # below English's ~4: an overestimate of tokens keeps prompts in budget
QUOTE_CHARS = 240
WORD = re.compile(r"[a-z0-9]+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def estimate_tokens(text: str) -> int:
    """A generous token count for text the chat model will read."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


@dataclass(frozen=True)
class Source:
    """A chunk shown to the model as `[n]`."""

    n: int
    hit: SearchHit
    similarity: float

    def label(self) -> str:
        """Where it comes from, as a reader would cite it."""
        pages = _pages(self.hit.page_start, self.hit.page_end)
        heading = " > ".join(self.hit.heading_path)
        shared = f"shared by the class {self.hit.class_name}" if self.hit.class_name else ""
        return ", ".join(part for part in (self.hit.filename, pages, heading, shared) if part)


def select_sources(
    hits: list[SearchHit],
    similarity: dict[int, float],
    budget: int,
    gate: RelevanceGate,
    lexical: dict[int, float] | None = None,
) -> list[Source]:
    """Hits, in rank order, that the gate admits and that fit in `budget` tokens together."""
    sources: list[Source] = []
    used = 0
    lexical = lexical or {}
    for hit in hits:
        score = similarity.get(hit.chunk_id, 0.0)
        cost = estimate_tokens(hit.text) + 12
        if not gate.admits(score, lexical.get(hit.chunk_id, 0.0)) or used + cost > budget:
            continue
        sources.append(Source(len(sources) + 1, hit, score))
        used += cost
    return sources


def format_sources(sources: list[Source]) -> str:
    """The sources block of a prompt."""
    return "\n\n".join(f"[{s.n}] ({s.label()})\n{s.hit.text.strip()}" for s in sources)


def prose_sentences(text: str) -> list[str]:
    """The sentences of a chunk's prose, each on one line; heading lines (they repeat the
    source's label) are left out."""
    prose = " ".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return [" ".join(s.split()) for s in SENTENCE_END.split(prose) if s.strip()]


def quote(text: str, near: str = "", first: str = "") -> str:
    """The sentence of `text` sharing most words with `first`, then with `near` (or its start).

    `first` wins over `near`: a practice question's source must show the sentence stating its
    key, even when the question's own common words match another sentence better.
    """
    sentences = prose_sentences(text) or [""]
    wanted = set(WORD.findall(near.lower()))
    preferred = set(WORD.findall(first.lower()))

    def overlap(sentence: str) -> tuple[int, int]:
        words = set(WORD.findall(sentence.lower()))
        return len(preferred & words), len(wanted & words)

    best = max(sentences, key=overlap)
    best = best if wanted or preferred else sentences[0]
    return best if len(best) <= QUOTE_CHARS else best[: QUOTE_CHARS - 1].rstrip() + "…"


def attribute(answer: str, sources: list[Source], min_share: float = 0.5) -> list[Source]:
    """Sources that state most of an uncited answer's content words (at most two, best first).

    Small models often answer from the sources without writing `[n]`; this finds where the
    answer came from after the fact, so the student still sees which passage backs it.
    """
    wanted = {w for w in WORD.findall(answer.lower()) if len(w) > 3}
    if not wanted:
        return []
    share = {
        s.n: len(wanted & set(WORD.findall(s.hit.text.lower()))) / len(wanted) for s in sources
    }
    ranked = sorted((s for s in sources if share[s.n] >= min_share), key=lambda s: -share[s.n])
    return ranked[:2]


def citation(source: Source, near: str = "") -> dict[str, Any]:
    """The protocol's citation item for a source."""
    hit = source.hit
    return {
        "n": source.n,
        "chunk_id": hit.chunk_id,
        "document_id": str(hit.document_id),
        "filename": hit.filename,
        "page_start": hit.page_start,
        "page_end": hit.page_end,
        "quote": quote(hit.text, near),
        # A class's shared material names its class; the reader's own notes carry nulls.
        "class_id": str(hit.class_id) if hit.class_id else None,
        "class_name": hit.class_name,
    }


def _pages(start: int | None, end: int | None) -> str:
    if start is None:
        return ""
    return f"p. {start}" if end in (None, start) else f"pp. {start}-{end}"
