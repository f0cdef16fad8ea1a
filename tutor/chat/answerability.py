"""Whether a retrieved chunk is evidence for a question: decided before the model answers.

Two kinds of evidence, because each misses what the other sees. Dense similarity (MiniLM
cosine) is a calibrated "is this about the same thing?", but a small embedding model does not
know rare technical terms: "What does RuBisCO do?" scores 0.2 against the very passage that
says what RuBisCO does. The full-text leg knows exactly which of the question's rare terms a
chunk contains. A chunk is admitted when it is similar enough, or when it holds most of the
question's rare terms and is not wholly unrelated in meaning.

Retrieval finds passages *about* the question; whether they *state its answer* is the model's
call. SQuAD 2.0's unanswerable questions sit right beside a passage that almost answers them
(a detail changed), where neither similarity nor rare terms tell them apart. So once sources
are packed, the model is asked one constrained yes/no question about them and only the
probability of its first token is read: one token, no text to parse, and a threshold
calibrated on held-apart data (`evals/answerability_calibration.py`). The probe repeats the
answer prompt's own messages with the question appended, so llama.cpp evaluates the sources
once for both: the probe costs the few tokens of its question.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.llm.catalogue import CATALOGUE
from tutor.llm.chat_model import ChatMessage, ChatModel
from tutor.llm.prompts import Prompt

# The answer prompt ends its request with this cue, which the probe replaces by its question.
ANSWER_CUE = "Answer:"
TOP_TOKENS = 10


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


def yes_probability(first_tokens: dict[str, float]) -> float | None:
    """P(yes) among yes and no, whatever their case or spacing; None when neither came up."""
    yes = sum(p for token, p in first_tokens.items() if token.strip().lower() == "yes")
    no = sum(p for token, p in first_tokens.items() if token.strip().lower() == "no")
    return yes / (yes + no) if yes + no > 0 else None


def probe_messages(probe: Prompt, answer_messages: list[ChatMessage]) -> list[ChatMessage]:
    """The probe: the answer prompt's system and request, the yes/no question appended."""
    request = answer_messages[-1]["content"].rstrip().removesuffix(ANSWER_CUE).rstrip()
    return probe.render(system=answer_messages[0]["content"], request=request)


async def answerable_probability(
    model: ChatModel, probe: Prompt, answer_messages: list[ChatMessage]
) -> float | None:
    """How likely the model finds that the sources in `answer_messages` state the answer."""
    first = await model.first_token_probabilities(
        probe_messages(probe, answer_messages), top=TOP_TOKENS
    )
    return yes_probability(first)


def answerable_threshold(configured: float | None, model_id: str, probe: str) -> float:
    """The threshold for this model and probe version: the configured one, else the one
    calibrated for both, else 0 (off).

    Probabilities are the model's own and depend on the probe's wording: a threshold
    calibrated for one model or one probe version means nothing for another.
    """
    if configured is not None:
        return configured
    spec = CATALOGUE.get(model_id)
    calibration = spec.answerable if spec else None
    if calibration is None or calibration.probe != probe:
        return 0.0
    return calibration.threshold
