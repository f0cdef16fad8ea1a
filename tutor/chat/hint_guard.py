"""Does a hint give the answer away? Checked on wording, on numbers and on meaning.

A hint leaks when it contains the final answer as words or states the answer's number (unless
the problem itself already states them), or says essentially what the answer says. A problem
pasted with its options already contains the answer, so there a hint also leaks when it singles
out the right option, by its text, its label or its position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.chat.citations import strip_markers

NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?")
FINAL_ANSWER = re.compile(r"final answer\s*[:：]\s*(.+)", re.IGNORECASE)
# Embedding similarity only means something for answers with some words in them.
MIN_WORDS_FOR_MEANING = 3
MEANING_THRESHOLD = 0.86


def normalise(text: str) -> str:
    """Lower case, accents and punctuation gone, numbers canonical, single spaces."""
    text = unicodedata.normalize("NFKD", strip_markers(text)).encode("ascii", "ignore").decode()
    text = NUMBER.sub(lambda m: f" {canonical_number(m.group())} ", text.lower())
    return " ".join(re.sub(r"[^a-z0-9.\s-]", " ", text).replace(". ", " ").split()).strip(" .")


def canonical_number(raw: str) -> str:
    """`1,000.50` → `1000.5`, `18.0` → `18`, `−3` → `-3`."""
    value = float(raw.replace(",", "").replace("−", "-"))
    return str(int(value)) if value.is_integer() else repr(value)


def numbers(text: str) -> set[str]:
    """Every number in the text, canonical."""
    return {canonical_number(m) for m in NUMBER.findall(text.replace("$", " "))}


def final_answer(solution: str) -> str:
    """The answer from a worked solution ending `Final answer: X`, or its last line."""
    found = FINAL_ANSWER.findall(solution)
    lines = [line.strip() for line in solution.strip().splitlines() if line.strip()]
    answer = found[-1] if found else (lines[-1] if lines else "")
    return answer.strip(" *.`_")


@dataclass(frozen=True)
class Leak:
    """Why a hint was judged to give the answer away."""

    reason: str  # "words" | "number" | "option" | "meaning"


def find_leak(
    hint: str,
    answer: str,
    problem: str,
    similarity: Callable[[str, str], float] | None = None,
) -> Leak | None:
    """The first way `hint` gives `answer` away, or None when it does not."""
    hint_n, answer_n = normalise(hint), normalise(answer)
    # Repeating what the problem itself says gives nothing away.
    if answer_n and _contains(hint_n, answer_n) and not _contains(normalise(problem), answer_n):
        return Leak("words")
    answer_numbers = numbers(answer)
    if answer_numbers and len(answer_n.split()) <= 4:
        # For a numeric answer the number is the answer; one already in the problem is fair.
        if (answer_numbers & numbers(hint)) - numbers(problem):
            return Leak("number")
    if option_leak(hint, answer, problem):
        return Leak("option")
    if similarity is not None and len(answer_n.split()) >= MIN_WORDS_FOR_MEANING:
        if max((similarity(s, answer) for s in sentences(hint)), default=0.0) >= (
            MEANING_THRESHOLD
        ):
            return Leak("meaning")
    return None


def _contains(text: str, phrase: str) -> bool:
    return _phrase(phrase).search(text) is not None


def _phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(phrase)}(?![\w]|\.\d)")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    return float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))


def sentences(text: str) -> list[str]:
    """The text's sentences, citation markers removed."""
    return [s for s in re.split(r"(?<=[.!?])\s+", strip_markers(text)) if s.strip()]


# Labels a student pastes options with: `A)`, `(b)`, `C.`, `D:`, `1)`, `(2)`, on their own lines
# or inline. A following space is required so that `f(x)` or `3.5` is not read as a label.
OPTION_MARK = re.compile(
    r"(?<!\S)(?:\((?P<paren>[A-Za-z]|\d{1,2})\)|(?P<bare>[A-Za-z]|\d{1,2})(?P<end>[).:]))(?=\s)"
)
OPTION_LIST = re.compile(
    r"\b(?:(?:options|choices|answers)\s*(?:are\b\s*:?|:|-)|(?:choose|pick)\s+(?:from|one of)"
    r"\s*:?)\s*(?P<items>[^\n]+)",
    re.IGNORECASE,
)
LIST_SEPARATOR = re.compile(r"\s*(?:,\s*(?:(?:or|and)\s+)?|;\s*|\s+or\s+)", re.IGNORECASE)
BULLET = re.compile(r"^[ \t]*[-*•][ \t]+(?P<text>\S.*)$")
# A private answer that is, or starts with, a label: `B`, `(b)`, `B) Chlorophyll`, `option 2`.
ANSWER_LABEL = re.compile(
    r"\s*(?P<keyword>(?:the\s+)?(?:option|choice|answer|letter)\s+(?:is\s+)?)?"
    r"(?:\((?P<paren>[a-z]|\d{1,2})\)|(?P<bare>[a-z]|\d{1,2})(?:[).:](?=\s|$)|\s*$))",
    re.IGNORECASE,
)
# A lone lower-case `a` followed by a word is the article ("answer a question"), not option A.
LETTER_REF = r"\(?(?:(?-i:a)(?!\s+(?!(?:and|or|nor|is|was)\b)[a-z])|(?-i:A)|[b-z])\)?(?!\w)"
NUMBER_REF = r"\(?\d{1,2}\)?(?!\w|\.\d)"
REF_SEPARATOR = r"(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or|nor|vs\.?)\s+|\s*[&/]\s*)"
LETTER_REFS = re.compile(
    rf"\b(?:option|choice|answer|letter|alternative)s?(?:\s+is)?\s+"
    rf"(?P<refs>{LETTER_REF}(?:{REF_SEPARATOR}{LETTER_REF})*)",
    re.IGNORECASE,
)
# "answer 2" is as often a quantity as a label, so numbers need a word that only labels take.
NUMBER_REFS = re.compile(
    rf"\b(?:option|choice|alternative)s?(?:\s+is)?\s+"
    rf"(?P<refs>{NUMBER_REF}(?:{REF_SEPARATOR}{NUMBER_REF})*)",
    re.IGNORECASE,
)
# The word before a label is kept to tell a label from the subject's own "(vitamin C)".
PAREN_LABEL = re.compile(r"(?:\b(?P<before>[A-Za-z]+)\s*)?(?:\(|(?<![\w(]))(?P<ref>[A-Za-z])\)")
# An upper-case letter on its own is a label only where a label reads naturally ("B is", "B or
# D", "try C."); "A good start" keeps its article.
UPPER_LABEL = re.compile(
    r"(?:\b(?P<before>[A-Za-z]+)\s+)?(?<![\w'’-])(?P<ref>[A-Z])"
    r"(?=\s*(?:[,;:!?)]|\.(?!\w)|$)|\s+(?:is|was|and|or|nor|vs)\b)",
    re.MULTILINE,
)
ORDINALS = {
    word: n
    for n, words in enumerate(
        [("first", "1st"), ("second", "2nd"), ("third", "3rd"), ("fourth", "4th")]
        + [("fifth", "5th"), ("sixth", "6th"), ("seventh", "7th"), ("eighth", "8th")],
        start=1,
    )
    for word in words
}
ORDINAL = re.compile(
    rf"\b(?P<nth>{'|'.join(ORDINALS)}|last)\s+(?:option|choice|alternative|answer)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Option:
    """One answer option pasted with a multiple-choice problem."""

    position: int  # 1-based, in the order pasted
    label: str | None  # "a".., "1".., lower case; None for bullets and "Options: x, y"
    text: str


def option_leak(hint: str, answer: str, problem: str) -> bool:
    """Does the hint single out the option that is the answer?

    The problem already contains every option, so repeating one is only fair when the hint
    names all of them alike. Text and labels are judged apart: listing every label while
    repeating only the right option's text still points at it.
    """
    found = options(problem)
    right = answer_options(answer, found) if found else set()
    if not right:
        return False
    everyone = {o.position for o in found}
    named_each_way = (named_by_text(hint, found), named_by_label(hint, found, problem))
    return any(named & right and named != everyone for named in named_each_way)


def options(problem: str) -> list[Option]:
    """The options pasted with the problem, or [] when it does not look multiple-choice."""
    for parse in (labelled_options, listed_options, bulleted_options):
        found = parse(problem)
        if len(found) >= 2:
            return found
    return []


def labelled_options(problem: str) -> list[Option]:
    """Options marked `A)`, `(b)`, `C.` or `1)`, on lines or inline.

    Labels count only in a run of one style counting up from `a` or `1`, so a stray `C.` in
    the question is not an option; of several runs the longest, then the last, wins, as
    options follow their question.
    """
    marks = list(OPTION_MARK.finditer(problem))
    best: list[re.Match[str]] = []
    for start, mark in enumerate(marks):
        if _mark_label(mark) in ("a", "1"):
            run = _run_of(marks[start:])
            best = run if len(run) >= len(best) else best
    ends = [m.start() for m in best[1:]] + [_line_end(problem, best[-1].end())] if best else []
    return [
        Option(n, _mark_label(mark), problem[mark.end() : end].strip())
        for n, (mark, end) in enumerate(zip(best, ends, strict=True), start=1)
    ]


def _run_of(marks: list[re.Match[str]]) -> list[re.Match[str]]:
    run = [marks[0]]
    for mark in marks[1:]:
        follows = _mark_label(mark) == _next_label(_mark_label(run[-1]))
        if follows and _mark_style(mark) == _mark_style(run[0]):
            run.append(mark)
    return run


def _mark_label(mark: re.Match[str]) -> str:
    return str(mark["paren"] or mark["bare"]).lower()


def _mark_style(mark: re.Match[str]) -> tuple[str, str]:
    label = str(mark["paren"] or mark["bare"])
    kind = "digit" if label.isdigit() else "upper" if label.isupper() else "lower"
    return kind, mark["end"] or "()"


def _next_label(label: str) -> str:
    return str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def listed_options(problem: str) -> list[Option]:
    """Options given in a sentence: `Options: x, y or z`, `Choose from x; y; z`."""
    found = OPTION_LIST.search(problem)
    if found is None:
        return []
    # The list ends with its sentence; a decimal point does not end it.
    items = re.split(r"[?!]|\.(?=\s|$)", found["items"], maxsplit=1)[0]
    texts = [t.strip() for t in LIST_SEPARATOR.split(items) if t.strip()]
    return [Option(n, None, text) for n, text in enumerate(texts, start=1)]


def bulleted_options(problem: str) -> list[Option]:
    """Options pasted as a `-`, `*` or `•` list under the question; the last such list wins."""
    blocks: list[list[str]] = [[]]
    asked = False
    for line in problem.splitlines():
        bullet = BULLET.match(line)
        if bullet is None and line.strip():
            asked = True
            blocks.append([])
        elif bullet is not None and asked:
            blocks[-1].append(bullet["text"].strip())
    best = next((block for block in reversed(blocks) if len(block) >= 2), [])
    return [Option(n, None, text) for n, text in enumerate(best, start=1)]


def answer_options(answer: str, found: list[Option]) -> set[int]:
    """Positions of the options the private answer picks, by its label, its text, or both.

    A model may label the right text wrongly; both options it names are then protected.
    """
    label = ANSWER_LABEL.match(answer)
    if label is None:
        return _options_matching(normalise(answer), found)
    ref = str(label["paren"] or label["bare"]).lower()
    # A bare number answer ("6") is more likely the value than the sixth option.
    position = resolve_label(ref, found, by_position=ref.isalpha() or bool(label["keyword"]))
    if position is None:  # not a label here after all: "6" among options 4, 6, 8
        return _options_matching(normalise(answer), found)
    return {position} | _options_matching(normalise(answer[label.end() :]), found)


def _options_matching(answer_n: str, found: list[Option]) -> set[int]:
    """Options whose text equals the answer; failing that, that contain it or it contains."""
    if not answer_n:
        return set()
    texts = {o.position: normalise(o.text) for o in found}
    equal = {n for n, text in texts.items() if text == answer_n}
    return equal or {
        n
        for n, text in texts.items()
        if text and (_contains(answer_n, text) or _contains(text, answer_n))
    }


def resolve_label(ref: str, found: list[Option], by_position: bool = True) -> int | None:
    """The option a label names: the one carrying it, else (`by_position`) the nth option.

    Counting applies only when no option carries a label of that kind: "option 2" means B in
    an A-D list and "B" means the second bullet, but in a numbered list "2" is the label 2.
    """
    for option in found:
        if option.label == ref:
            return option.position
    same_kind = any(o.label and o.label.isdigit() == ref.isdigit() for o in found)
    n = int(ref) if ref.isdigit() else ord(ref) - ord("a") + 1
    return n if by_position and not same_kind and 1 <= n <= len(found) else None


def named_by_text(hint: str, found: list[Option]) -> set[int]:
    """Options whose text the hint repeats.

    Longer texts are taken out of the hint first, so "carbon dioxide" does not also name an
    option "carbon".
    """
    hint_n = normalise(hint)
    named: set[int] = set()
    for option in sorted(found, key=lambda o: len(normalise(o.text)), reverse=True):
        text = normalise(option.text)
        if text and _contains(hint_n, text):
            named.add(option.position)
            hint_n = _phrase(text).sub(" | ", hint_n)
    return named


def named_by_label(hint: str, found: list[Option], problem: str) -> set[int]:
    """Options the hint points at by label or position: "option B", "(b)", "B is", "choice 2",
    "the second option"."""
    refs = [
        ref
        for pattern in (LETTER_REFS, NUMBER_REFS)
        for found_refs in pattern.finditer(hint)
        for ref in re.findall(r"(?<![a-z])(?:[a-z]|\d{1,2})(?![a-z])", found_refs["refs"], re.I)
    ]
    refs += standalone_labels(PAREN_LABEL, hint, problem)
    if any(o.label and o.label.isalpha() for o in found):
        refs += standalone_labels(UPPER_LABEL, hint, problem)
    positions = {resolve_label(ref.lower(), found) for ref in refs}
    positions |= {
        len(found) if m["nth"].lower() == "last" else ORDINALS[m["nth"].lower()]
        for m in ORDINAL.finditer(hint)
    }
    return {n for n in positions if n is not None and 1 <= n <= len(found)}


def standalone_labels(pattern: re.Pattern[str], hint: str, problem: str) -> list[str]:
    """Letters the hint uses as labels without a keyword: "(b)", "b)", "B is", "either B or D".

    A letter that belongs to the subject (the problem's own "vitamin C", "point B") is not one.
    """
    return [
        m["ref"]
        for m in pattern.finditer(hint)
        if not (
            m["before"] and re.search(rf"\b{m['before']}\s*\(?{m['ref']}\b", problem, re.IGNORECASE)
        )
    ]
