"""A small, sharp context: the sentences of the sources that bear on the question.

The local model reads its prompt at 20-36 tokens a second on a 2-core machine, so six whole
200-token chunks cost a minute of silence before the first word. Most of a chunk is beside
the point. Every sentence of the admitted sources is scored against the question in
embedding space (a few dozen short texts, their vectors kept between asks: `sentence_vectors`);
the best go into the prompt until a token budget is spent, each source keeping its sentences in
reading order with "…" where it skips. The same scores give the best passage shown before
the model starts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ingestion.embedding import Embedder
from tutor.chat.grounding import Source, estimate_tokens, prose_sentences
from tutor.chat.sentence_vectors import sentence_vectors

MIN_CHARS = 25  # shorter is a fragment or a label
SOURCE_LABEL_TOKENS = 16  # "[n] (file, p. 3, heading)" and the blank line before it
GAP = " … "


@dataclass(frozen=True)
class Sentence:
    """One sentence of a source, where it stands in it, and how close it is to the question."""

    source: Source
    index: int
    text: str
    score: float


def split_sources(sources: list[Source]) -> list[tuple[Source, int, str]]:
    """(source, position, sentence) for every sentence worth scoring."""
    return [
        (source, index, text)
        for source in sources
        for index, text in enumerate(prose_sentences(source.hit.text))
        if len(text) >= MIN_CHARS
    ]


async def score_sentences(
    embedder: Embedder, query: np.ndarray, sources: list[Source]
) -> list[Sentence]:
    """Every sentence of the sources with its cosine similarity to the question."""
    found = split_sources(sources)
    if not found:
        return []
    vectors = await sentence_vectors(embedder, [text for _, _, text in found])
    scores = vectors @ np.asarray(query)
    return [
        Sentence(source, index, text, float(score))
        for (source, index, text), score in zip(found, scores, strict=True)
    ]


def pack(sources: list[Source], sentences: list[Sentence], budget: int) -> list[Source]:
    """The sources cut down to their best sentences within `budget` tokens, renumbered 1..m in
    their original order. The best sentence always goes in, whatever its length; a source
    with no sentence to offer (a heading, a table) keeps its whole text if it fits."""
    chosen: dict[int, set[int]] = {}
    used = 0
    for sentence in sorted(sentences, key=lambda s: -s.score):
        cost = estimate_tokens(sentence.text) + 2
        if sentence.source.n not in chosen:
            cost += SOURCE_LABEL_TOKENS
        if chosen and used + cost > budget:
            continue
        chosen.setdefault(sentence.source.n, set()).add(sentence.index)
        used += cost
    if not sentences:  # nothing to score: whole sources, as many as fit
        for source in sources:
            cost = estimate_tokens(source.hit.text) + SOURCE_LABEL_TOKENS
            if chosen and used + cost > budget:
                break
            chosen[source.n] = set()
            used += cost
    packed: list[Source] = []
    for source in sources:
        if source.n not in chosen:
            continue
        text = window(source, chosen[source.n]) if chosen[source.n] else source.hit.text
        hit = dataclasses.replace(source.hit, text=text)
        packed.append(Source(len(packed) + 1, hit, source.similarity))
    return packed


def window(source: Source, indexes: set[int]) -> str:
    """The chosen sentences of a source in reading order, "…" marking what was left out."""
    sentences = prose_sentences(source.hit.text)
    parts: list[str] = []
    previous = None
    for index in sorted(indexes):
        if previous is not None and index != previous + 1:
            parts.append(GAP.strip())
        parts.append(sentences[index])
        previous = index
    prefix = "… " if min(indexes) > 0 else ""
    suffix = " …" if max(indexes) < len(sentences) - 1 else ""
    return prefix + " ".join(parts) + suffix
