"""Whether a retrieved chunk is evidence for a question: decided before the model answers.

Two kinds of evidence, because each misses what the other sees. Dense similarity (MiniLM
cosine) is a calibrated "is this about the same thing?", but a small embedding model does not
know rare technical terms: "What does RuBisCO do?" scores 0.2 against the very passage that
says what RuBisCO does. The full-text leg knows exactly which of the question's rare terms a
chunk contains. A chunk is admitted when it is similar enough, or when it holds most of the
question's rare terms and is not wholly unrelated in meaning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RelevanceGate:
    """Thresholds for admitting a chunk as a source (settings: TUTOR_TUTOR_MIN_*)."""

    min_similarity: float = 0.25
    # The share of the question's IDF mass the chunk must contain to stand in for similarity.
    min_lexical_share: float = 0.6
    # ...and the similarity it still needs then: rare words alone can coincide.
    lexical_floor: float = 0.1

    def admits(self, similarity: float, lexical_share: float) -> bool:
        """True when the chunk is evidence enough to show to the model."""
        if similarity >= self.min_similarity:
            return True
        return lexical_share >= self.min_lexical_share and similarity >= self.lexical_floor
