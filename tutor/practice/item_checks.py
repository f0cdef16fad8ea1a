"""The deterministic checks one practice item must pass, as the set editor runs them on each edit.

Two kinds of problem. A *blocking* one makes the item unusable as asked: no question, a multiple
choice whose key is not exactly one of its options (grading compares the picked option with the
key as `question_checks.option_text` reads them), options that repeat each other. The editor
refuses such an edit and says why. A *warning* is a defect a teacher may knowingly keep: a key
its source does not state, an option that is cut off or "all of the above", a question that
gives its key away or needs a picture. The item is saved and the warnings are shown beside it.

The same checks the practice writer drops generated items for (`question_checks`,
`item_drafts.key_problems`), so a hand edit is held to the generator's standard.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.chat.distractors import same_option
from tutor.chat.grounding import prose_sentences
from tutor.chat.item_drafts import MAX_KEY_WORDS, stem_and_key_problems
from tutor.chat.practice import supported
from tutor.chat.question_checks import option_text, question_flags

MIN_OPTIONS = 2
MAX_OPTIONS = 6
MIN_QUESTION_CHARS = 10

MESSAGES = {
    "question_too_short": f"Write a question of at least {MIN_QUESTION_CHARS} characters.",
    "too_few_options": f"A multiple-choice question needs at least {MIN_OPTIONS} options.",
    "too_many_options": f"Keep to at most {MAX_OPTIONS} options.",
    "empty_option": "An option is empty.",
    "duplicate_options": "Two options say the same thing.",
    "key_not_one_option": "The answer must be exactly one of the options, word for word.",
    "options_on_short_answer": "A short-answer question has no options.",
    "empty_answer": "Give the answer.",
    "unsupported_key": "The source passage does not state this answer.",
    "no_source": "Written by hand: no passage of the notes backs its answer.",
    "key_too_long": f"The answer is longer than {MAX_KEY_WORDS} words: its length gives it away.",
    "key_in_question": "The question contains its own answer.",
    "key_incomplete": "The question asks for more than one thing; the answer names one.",
    "question_needs_source": "The question points at a text the student does not see.",
    "options_alike": "Two options mean nearly the same thing.",
    "not_four_options": "Four options is the usual number for these questions.",
    "truncated_option": "An option looks cut off mid-phrase.",
    "catch_all_option": "Avoid 'all of the above' and 'none of the above'.",
    "option_copies_question": "An option repeats the question.",
    "refers_to_picture": "The question refers to a picture the student cannot see.",
}
BLOCKING = frozenset(
    {
        "question_too_short",
        "too_few_options",
        "too_many_options",
        "empty_option",
        "duplicate_options",
        "key_not_one_option",
        "options_on_short_answer",
        "empty_answer",
    }
)


@dataclass(frozen=True)
class ItemProblem:
    """One thing wrong with an item: a code, what to do about it, and whether it blocks saving."""

    code: str
    message: str
    blocking: bool

    @classmethod
    def of(cls, code: str) -> ItemProblem:
        """The problem with its message and severity."""
        return cls(code, MESSAGES[code], code in BLOCKING)


@dataclass(frozen=True)
class ItemText:
    """What the editor lets a teacher change in an item."""

    kind: str
    question: str
    options: list[str]
    answer: str
    explanation: str


def item_problems(item: ItemText, source: str | None) -> list[ItemProblem]:
    """Every problem of the item, blocking ones first; `source` is the text its key comes from
    (its chunk, or the quote kept with it), None for an item written by hand."""
    codes = _shape(item)
    if not any(code in BLOCKING for code in codes):
        codes += _warnings(item, source)
    unique = list(dict.fromkeys(codes))
    return sorted((ItemProblem.of(code) for code in unique), key=lambda p: not p.blocking)


def blocking(problems: list[ItemProblem]) -> list[ItemProblem]:
    """The problems that keep an edit from being saved."""
    return [p for p in problems if p.blocking]


def _shape(item: ItemText) -> list[str]:
    codes = [] if len(item.question.strip()) >= MIN_QUESTION_CHARS else ["question_too_short"]
    if not option_text(item.answer):
        codes.append("empty_answer")
    if item.kind == "short_answer":
        return codes + (["options_on_short_answer"] if item.options else [])
    if len(item.options) < MIN_OPTIONS:
        codes.append("too_few_options")
    if len(item.options) > MAX_OPTIONS:
        codes.append("too_many_options")
    keys = [option_text(o) for o in item.options]
    if not all(keys):
        codes.append("empty_option")
    if len(set(keys)) != len(keys):
        codes.append("duplicate_options")
    elif keys.count(option_text(item.answer)) != 1:
        codes.append("key_not_one_option")
    return codes


def _warnings(item: ItemText, source: str | None) -> list[str]:
    if source is None:
        codes = ["no_source"]
    else:
        codes = [] if _stated(item.answer, source) else ["unsupported_key"]
    codes += stem_and_key_problems(item.question, item.answer)
    if item.kind == "multiple_choice":
        codes += question_flags(item.question, item.options, item.answer)
        if _alike(item.options):
            codes.append("options_alike")
    return codes


def _stated(answer: str, source: str) -> bool:
    """Whether one sentence of the source states the key (`supported` reads one sentence: its
    final stop is dropped, the stops inside a passage are not)."""
    return any(supported(answer, sentence) for sentence in [*prose_sentences(source), source])


def _alike(options: list[str]) -> bool:
    """Whether two options amount to one (one inside the other, mostly the same words)."""
    return any(same_option(a, b) for i, a in enumerate(options) for b in options[i + 1 :])
