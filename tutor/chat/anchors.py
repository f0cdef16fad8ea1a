"""Anchor sentences: the one sentence of the notes each practice question is written from.

Asked for a whole set at once from a dozen chunks, the local 1.5B model kept one item in ten:
keys its sources did not state, options repeating each other. Choosing what each question is
about is not a job for it. The code picks one sentence per item, the model writes a question
on that sentence alone, and the key is checked against it.

A good anchor states something on its own: a whole sentence of prose (not a heading glued to
its first line by the PDF, not a piece cut at a chunk's edge, not code or a table), with enough
content words to ask about and nothing that points elsewhere ("see Section 3", "this
function"). Among those, the anchors closest to the topic win, spread over documents and
chunks, and no two say the same thing (chunks overlap, so a sentence can come twice).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence

from tutor.chat.sharp_context import Sentence

MIN_CONTENT_WORDS = 5  # fewer: a label, a fragment or a platitude
MAX_WORDS = 60  # more: usually two sentences the splitter could not part
MIN_WORD_SHARE = 0.75  # of tokens with letters or a number; below: code, a table or a formula
MAX_SHARED = 0.5  # content-word overlap (Jaccard) beyond which two anchors say the same thing
# Of the best anchor's closeness to the topic: below it a sentence is beside the point, however
# well it reads ("Although the answer is already complicated, it is not the whole story.").
RELATIVE_FLOOR = 0.5
# Words that carry no content of their own; a sentence needs others to be worth a question.
FUNCTION_WORDS = frozenset(
    """a an the of in on at to for by with and or not no is are was were be been being it its
    this that these those as from which who whom what when where how why than then there here
    can could may might must shall should will would do does did has have had also only such
    into onto over under about between through their them they we our you your he she his her
    all any some each more most other both either neither one two very just so if but""".split()
)
# A sentence opening on one of these leans on the one before it.
LEANING_OPENERS = frozenset(
    """this these that those it its they them their such he she his her here thus hence however
    then so but also and or therefore similarly likewise finally otherwise again instead
    moreover furthermore conversely first second third next suppose""".split()
)
# ...as does one with a pronoun for its subject just after an opening phrase ("In fact, they").
LEANING_PRONOUNS = frozenset("this these those they it such he she".split())
OPENING_WORDS = 3
# A numbered heading ("1.3 R and statistics") or a running page header ("Chapter 1: ...") that
# PDF extraction glued to the sentence after it.
HEADING = re.compile(
    r"^(\d+(\.\d+)*\.?(\s+\d+(\.\d+)*)*\s+[A-Z]|(?i:chapter|section|appendix)\s+[\dA-Z]+\b"
    r"|[A-Z]\.\d+(\.\d+)*\.?\s+[A-Z])"  # an appendix's section: "C.2 Editing actions The ..."
)
# A structured abstract's section label run into its first sentence: "BACKGROUND Under ...".
LABEL = re.compile(r"^[A-Z]{4,}(?:\s+(?:AND|[A-Z]{4,}))*:?\s+(?=[A-Z][a-z])")
# A section number of three levels or more followed by a title, anywhere in the text: a heading
# the PDF extraction ran into the text around it ("... 0.7651 11.7.2 Maximum likelihood ...").
EMBEDDED_HEADING = re.compile(r"(?<!\S)\d+\.\d+\.\d+\.?\s+[A-Z][a-z]")
FIGURE = re.compile(r"^[(\[]?[-+]?\d[\d,.]*(e[-+]?\d+)?%?[)\],.;:]*$", re.IGNORECASE)
FIGURE_RUN = 3  # figures in a row: a table's row, not prose
NUMBERING = re.compile(r"^[\d.\s]*$")  # page and section numbers before a glued heading
# Points to a place the student cannot see from one sentence.
POINTER = re.compile(
    r"\b(see|chapter|section|appendix|figure|fig\.|table|page|below|above|the following"
    r"|respectively)\b"
    r"|:\s*$|://",
    re.IGNORECASE,
)
WORD = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]", re.IGNORECASE)
PLAIN = re.compile(r"^[(\"'“‘]*[A-Za-z][A-Za-z'’-]*[)\"'”’.,;:!?]*$")
NUMBER = re.compile(r"^[(\[]?[-+]?\d[\d,.]*%?[)\],.;:]*$")
LIST_MARKER_END = re.compile(r"\s\d\.$")  # "... with the command $ R 3." (item 3 follows)
CODE_MARKS = ("<-", "=", "(", "[", "$", "~", "{", "--")
MAX_CODE_TOKENS = 3  # a function name or two is prose about code; more is code
BULLET = re.compile(r"^\s*(?:[•·*–-]\s+)?[\"'“‘(]*")  # a list mark or opening quote


def content_words(text: str) -> set[str]:
    """The sentence's words that are not function words, lower case."""
    return {w for w in (m.lower() for m in WORD.findall(text)) if w not in FUNCTION_WORDS}


def anchor_problem(text: str) -> str | None:
    """Why a sentence cannot anchor a question, or None when it can."""
    words = text.split()
    first = BULLET.sub("", text)
    if not first.strip():
        return "too_few_words"
    if HEADING.match(first):
        return "heading"
    opening = [w.strip(",;:") for w in first.split()[:OPENING_WORDS]]
    if opening[0].isalpha() and opening[0].islower():
        return "fragment"  # starts mid-sentence: the chunk was cut before it
    if not text.rstrip("\"'”’)").endswith((".", "!", "?")) or LIST_MARKER_END.search(text):
        return "cut_off"
    lowered = [w.lower() for w in opening]
    if lowered[0] in LEANING_OPENERS or LEANING_PRONOUNS & set(lowered[1:]):
        return "leans_on_context"
    if POINTER.search(text):
        return "points_elsewhere"
    if EMBEDDED_HEADING.search(text):
        return "heading"
    if _code_like(words) or _mostly_figures(words):
        return "code_or_table"
    if len(content_words(text)) < MIN_CONTENT_WORDS:
        return "too_few_words"
    if len(words) > MAX_WORDS:
        return "too_long"
    return None


def _mostly_figures(tokens: Sequence[str]) -> bool:
    """A table's row run into the text: figures one after another ("Vm 2.127e+02 6.947e+00
    30.615 3.24e-11 K ..."). Prose with many figures ("enrolled 1,200 patients across 14
    hospitals") has words between them."""
    run = 0
    for token in tokens:
        # A figure, or a token with no letter at all: a table's rule ("|") or a stem-and-leaf
        # plot's leaves ("40 | 0000003357788888 42 | ...").
        run = run + 1 if FIGURE.match(token) or not any(c.isalpha() for c in token) else 0
        if run >= FIGURE_RUN:
            return True
    return False


def _code_like(tokens: Sequence[str]) -> bool:
    """Mostly symbols, several code tokens, or a command line or option list to begin with."""
    plain = sum(bool(PLAIN.match(t)) or bool(NUMBER.match(t)) for t in tokens)
    code = sum(any(mark in t for mark in CODE_MARKS) for t in tokens)
    opens_with_code = any(mark in tokens[0] for mark in (*CODE_MARKS, ">", "+"))
    return plain / len(tokens) < MIN_WORD_SHARE or code > MAX_CODE_TOKENS or opens_with_code


def unlabelled(text: str, headings: Sequence[str]) -> str:
    """The sentence without a heading of its chunk (and the page or section numbers before it)
    or a section label that extraction ran into its start."""
    for heading in sorted(headings, key=len, reverse=True):
        at = text.find(heading)
        rest = text[at + len(heading) :].lstrip()
        # A sentence may open with its heading's words ("Ordered factors keep..."); a glued
        # heading is followed by the real sentence's capital.
        if heading and at >= 0 and NUMBERING.match(text[:at]) and rest[:1].isupper():
            text = rest
            break
    return LABEL.sub("", text)


def same_statement(a: str, b: str) -> bool:
    """Whether two sentences share most of their content words."""
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / max(1, len(wa | wb)) > MAX_SHARED


def choose_anchors(sentences: Sequence[Sentence], count: int) -> list[Sentence]:
    """Up to `count` usable, distinct sentences close enough to the topic: each round takes the
    best-scored sentence from the documents, then the chunks, used least so far."""
    cleaned = [
        dataclasses.replace(s, text=unlabelled(s.text, s.source.hit.heading_path))
        for s in sentences
    ]
    usable = [s for s in cleaned if anchor_problem(s.text) is None]
    floor = RELATIVE_FLOOR * max((s.score for s in usable), default=0.0)
    candidates = [s for s in usable if s.score >= floor]
    chosen: list[Sentence] = []
    per_document: Counter[object] = Counter()
    per_chunk: Counter[int] = Counter()
    while len(chosen) < count:
        fresh = [c for c in candidates if not any(same_statement(c.text, a.text) for a in chosen)]
        if not fresh:
            break
        best = min(
            fresh,
            key=lambda s: (per_document[s.source.hit.document_id], per_chunk[s.source.n], -s.score),
        )
        chosen.append(best)
        per_document[best.source.hit.document_id] += 1
        per_chunk[best.source.n] += 1
    return chosen
