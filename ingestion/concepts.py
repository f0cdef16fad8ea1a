"""Key concepts of a document: terms frequent in it and rare in its owner's other documents.

No model: the counts come from the full-text lexemes every chunk already carries (the same ones
the BM25 postings and `term_stats` are kept from), scored tf-idf-like against the owner's other
documents, then shown as the words the document itself uses (`photosynthesi` is shown as
"photosynthesis"). Two-word phrases that recur ("landing gear") are preferred over their words.
Everything here is pure; `ingestion.overview` runs the SQL.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# A word: letters, possibly hyphenated ("light-dependent"); digits and apostrophes end one, as
# they end a token in PostgreSQL's parser ("trustee's" is "trustee" + "s").
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
WORD_SPLIT = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)")
# Between two words of a phrase: blanks only, no punctuation and no line break.
PHRASE_GAPS = frozenset({" ", "  ", "\t", "\u00a0"})
MIN_LEXEME = 3
# Words frequent in almost any document, so that a user with one document (no others to compare
# with) does not get "use" or "following" as a concept; and the labels of mathematical texts,
# in English and German (the languages of the shared test documents). Matched against lexemes
# and the document's spellings (`without_generic`), after PostgreSQL's stop words (English,
# and those of the other languages it ships lists for) are gone.
GENERIC = frozenset(
    """
    able above according across actual add added additional after again against all allow
    almost along already also although always among another any anyone anything appear
    apply approach area around ask available away back base based basic become before begin
    behind below best better between beyond both bring call called can case certain change
    chapter check clear close come common complete consider contain content continue could
    current data day describe described detail different do done due during each early easy
    either else end enough ensure even every example except fact far feature figure find
    first follow following form found four full general get give given go good great group
    have help here high however important include included includes including increase
    indicate information instead issue item keep kind know known large last later least
    less let level like likely line list little long look low made main make many may mean
    means might more most much must name near need needed new next note now number often
    one only open order other others otherwise out over page part particular per perhaps
    place point possible present previous probably provide provided put rather really
    reason refer related require required result right said same second section see seen
    set several shall short show shown side similar simple since small so some something
    sometimes soon specific start still such sure table take term than then there
    therefore these thing think third this those though three through thus time today too
    total toward two type under unless until upon use used useful user uses using usually
    value various very view want way ways well what whether which while whole why will
    within without work would year yet
    definition proof remark lemma corollary
    beispiel bemerkung beweis folgt gibt gilt heißt korollar satz sei seien sodass wegen
    """.split()
)


@dataclass(frozen=True)
class TermCount:
    """One lexeme of the document, counted over its chunks and its owner's other chunks."""

    lexeme: str
    occurrences: int  # in the document's text (headings not counted)
    chunks: int  # the document's chunks that hold it
    elsewhere: int  # the owner's chunks in other documents that hold it


@dataclass(frozen=True)
class Concept:
    """A key concept: a term as the document writes it, and its weight (the best is 1)."""

    term: str
    weight: float


# A single word or a two-word phrase, as lexemes.
Key = tuple[str, ...]


def words(text: str) -> list[str]:
    """The words of a text, as written."""
    return WORD.findall(text)


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Every distinct word, lowercased, for stemming in one query."""
    found: set[str] = set()
    for text in texts:
        found.update(WORD.findall(text.lower()))
    return found


def least_occurrences(document_chunks: int) -> int:
    """How often a term must occur to be a concept: twice, and more in a long document, where
    a term seen twice is an aside."""
    return 2 + int(math.log10(max(1, document_chunks)))


def term_weights(
    terms: Iterable[TermCount], document_chunks: int, other_chunks: int
) -> dict[str, float]:
    """tf-idf of each lexeme the document uses often enough; numbers and short ones left out.

    tf is the count in this document; idf is over the owner's chunks in *other* documents
    (smoothed, so with no other documents every idf is 1 and the count alone decides).
    """
    least = least_occurrences(document_chunks)
    weights = {}
    for term in terms:
        if term.occurrences < least or not _plausible(term.lexeme):
            continue
        idf = 1.0 + math.log((other_chunks + 1) / (term.elsewhere + 1))
        weights[term.lexeme] = term.occurrences * idf
    return weights


def _plausible(lexeme: str) -> bool:
    """A lexeme that can name a concept: long enough, letters only."""
    return len(lexeme) >= MIN_LEXEME and lexeme.replace("-", "").isalpha()


def surface_forms(texts: Iterable[str], stems: Mapping[str, str]) -> dict[Key, Counter[str]]:
    """How each word and each pair of adjacent words is written, counted per spelling.

    `stems` maps a lowercased word to its lexeme; a word it lacks (a stop word) is no concept
    and ends a phrase. A hyphenated word counts as itself only: its parts' lexemes
    (PostgreSQL indexes "self" and "locking" of "self-locking" too) are no concepts when the
    text never uses them alone. Phrases stay within a line: in a DOCX a line is a paragraph or
    a table row. Words and neighbours are counted first (in C, by Counter) and looked up once
    per distinct one.
    """
    spellings: Counter[str] = Counter()
    neighbours: Counter[tuple[str, str, str]] = Counter()  # (word, gap, next word)
    for text in texts:
        parts = WORD_SPLIT.split(text)  # gap, word, gap, word, ..., gap
        found = parts[1::2]
        spellings.update(found)
        neighbours.update(zip(found, parts[2::2], found[1:], strict=False))
    forms: dict[Key, Counter[str]] = defaultdict(Counter)
    lexeme_of: dict[str, str | None] = {}
    for word, count in spellings.items():
        lexeme = lexeme_of[word] = stems.get(word.lower())
        if lexeme:
            forms[(lexeme,)][word] = count
    for (first, gap, second), count in neighbours.items():
        first_lexeme, second_lexeme = lexeme_of[first], lexeme_of[second]
        if first_lexeme and second_lexeme and first_lexeme != second_lexeme and gap in PHRASE_GAPS:
            forms[(first_lexeme, second_lexeme)][f"{first} {second}"] += count
    return forms


def without_generic(
    weights: Mapping[str, float], forms: Mapping[Key, Counter[str]]
) -> dict[str, float]:
    """The weights less generic words': a lexeme that is one ("start" of "starting") or that
    the document writes as one ("includes" of `includ`)."""
    return {
        lexeme: weight
        for lexeme, weight in weights.items()
        if lexeme not in GENERIC
        and not any(word.lower() in GENERIC for word in forms.get((lexeme,), ()))
    }


def key_concepts(
    forms: Mapping[Key, Counter[str]],
    weights: Mapping[str, float],
    limit: int = 10,
    least: int = 2,
) -> list[Concept]:
    """The `limit` best terms among the weighted lexemes and the phrases made of them, each
    shown as the document most often writes it (`forms`, from `surface_forms`). A phrase
    shown stands in for its words, which are not shown again."""
    scored = sorted(
        (
            *((weight, (lexeme,)) for lexeme, weight in weights.items() if (lexeme,) in forms),
            *((weight, pair) for pair, weight in _phrases(forms, weights, least).items()),
        ),
        key=lambda item: (-item[0], item[1]),
    )
    chosen: list[tuple[float, Key]] = []
    shown: set[str] = set()  # the words shown so far, alone or in a phrase
    phrased: set[str] = set()  # the words shown in a phrase
    for weight, key in scored:
        if len(chosen) == limit:
            break
        if key[0] in shown if len(key) == 1 else any(part in phrased for part in key):
            # A word shown already, or a phrase overlapping one shown ("States Trustee" after
            # "United States": both are pieces of "United States Trustee").
            continue
        chosen.append((weight, key))
        shown.update(key)
        if len(key) > 1:
            phrased.update(key)
    if not chosen:
        return []
    top = chosen[0][0]
    return [Concept(_spelling(forms[key]), round(weight / top, 3)) for weight, key in chosen]


def _phrases(
    forms: Mapping[Key, Counter[str]], weights: Mapping[str, float], least: int
) -> dict[Key, float]:
    """Pairs of words that behave as one term, weighted like their words.

    A pair must recur, carry at least half the uses of its rarer word ("critical
    infrastructure") and a tenth of its commoner one (not "strategy identifies"). Its weight
    is its count times the sum of its words' weights per use (their idf, in effect), so a
    phrase outranks words it takes most of the uses of.
    """
    phrases: dict[Key, float] = {}
    for key, spellings in forms.items():
        if len(key) != 2 or key[0] not in weights or key[1] not in weights:
            continue
        count = sum(spellings.values())
        uses = [sum(forms[(lexeme,)].values()) for lexeme in key]
        if count < least or 2 * count < min(uses) or 10 * count < max(uses):
            continue
        phrases[key] = count * sum(weights[lexeme] / n for lexeme, n in zip(key, uses, strict=True))
    return phrases


def _spelling(spellings: Counter[str]) -> str:
    """The commonest word (or phrase) of a lexeme, spelled as plainly as the document often
    spells it: lowercase over a capital (a sentence's first word is no name), a capital over
    all capitals ("Vicksburg" over a running header's "VICKSBURG"); a plainer spelling wins
    when at least a third as common as the commonest ("GAO" stays, against one "gao-23")."""
    by_word: Counter[str] = Counter()
    for spelling, count in spellings.items():
        by_word[spelling.lower()] += count
    word = max(by_word, key=lambda w: (by_word[w], w))
    same = {s: c for s, c in spellings.items() if s.lower() == word}
    commonest = max(same.values())
    plain = sorted(same, key=lambda s: (_plainness(s), -same[s], s))
    return next(s for s in plain if 3 * same[s] >= commonest)


def _plainness(spelling: str) -> int:
    """0 lowercase, 1 capitalised words ("Google Docs", "Fully addressed"), 2 mixed
    ("RuBisCO"), 3 all capitals."""
    if spelling.islower():
        return 0
    if spelling.isupper():
        return 3
    return 1 if all(w.islower() or w[1:].islower() for w in spelling.split()) else 2
