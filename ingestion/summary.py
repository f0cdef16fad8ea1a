"""An extractive summary: a document's most central sentences, in reading order, with pages.

No model runs here. Chunks are ranked by centrality from the embeddings ingestion already
stored: the cosine of each chunk to the document's mean vector. With unit vectors that is, up to
a constant, the sum of a chunk's similarities to every other chunk (LexRank's degree
centrality with continuous weights), at O(n·d) instead of an n×n matrix that a 2,000-chunk
book would make 16 MB of. A few central chunks are then picked with maximal marginal relevance,
so the summary does not say the same thing three times, and each contributes its best sentence:
one that reads as prose (not a heading, caption, list item, formula or page furniture) and
mentions the document's key terms, scored with the concept weights (`ingestion.concepts`).
Embedding the sentences themselves (for centrality over sentences) would cost an encoder pass
over the document's prose, longer than everything here (benchmarks/overview.py measures both).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

MIN_WORDS = 8
MAX_WORDS = 45
# Between the centrality of a chunk (1) and its sentence's key-term score (0).
CENTRALITY_SHARE = 0.5
# MMR: relevance against redundancy with the chunks already picked.
MMR_LAMBDA = 0.7
# Sentences are chosen from this many times as many chunks as there are sentences to find.
CANDIDATES_PER_SENTENCE = 3
# Chunks read at most while looking for them (a formula-heavy text may have few sentences).
MAX_PASSAGES_READ = 200

# A line that ends a sentence; a short line that does not is a heading or a label.
TERMINAL = re.compile(r"[.!?][\"”’)\]]*$")
# A sentence boundary: terminal punctuation, maybe closing quotes, then white space.
BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\s+")
LIST_ITEM = re.compile(r"^(?:[•●▪◦‣∙·*–—-]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s")
# Words that end with a full stop without ending the sentence.
ABBREVIATIONS = frozenset(
    "al approx bzw ca cf ch dr e.g eq fig figs i.e jr mr mrs ms no nr p pp prof sec sr st "
    "vgl vol vs z.b d.h u.a usw".split()
)
CAPTION = re.compile(r"(?:figure|fig\.|table|source|sources|note|abbildung|tabelle)\b", re.I)
# Characters prose hardly has: e-mail addresses, table cells, code and formulas.
NOT_PROSE_CHARACTERS = frozenset("@©|=<>{}[]\\^~")
# Links, copyright lines, dot leaders, code.
NOT_PROSE = ("http", "www.", "opyright", "rights reserved", "...", ". . .", "->", "::")
CALL = re.compile(r"\w\(")  # f(x), print(x)
# How a sentence ends: terminal punctuation right after a word (" ." is what is left of a
# dropped equation or figure), maybe closing quotes; searched in the last characters only.
END = re.compile(r"[\w)\]\"”’%][.!?][\"”’)\]]*$")
# A caption's label run into the text before it ("... Elastic stop nut Figure 7-26.").
FIGURE_REFERENCE = re.compile(r"\b(?:figure|fig\.|table|abbildung|tabelle)\s*[\w.-]+\.$", re.I)
TAIL = 40
# Capitalised words in a row: figure labels or a title run into a sentence, not prose.
MAX_CAPITALISED_RUN = 4
# Words in capitals in a row: a running header or a heading ("THE SIEGE OF VICKSBURG").
MAX_SHOUTED_RUN = 2
PUNCTUATION = ".,;:!?\"“”‘’'()[]–—-"


@dataclass(frozen=True)
class Passage:
    """A stored chunk of the document, as the summary reads it."""

    ordinal: int
    text: str
    page_start: int | None
    page_end: int | None


@dataclass(frozen=True)
class SummarySentence:
    """One sentence of the summary and the pages of the passage it comes from."""

    text: str
    page_start: int | None
    page_end: int | None


@dataclass(frozen=True)
class _Candidate:
    passage: int  # index into the passages
    position: int  # the sentence's place in its passage
    text: str
    central: float  # its passage's centrality, 0 (least central chunk) to 1 (most)


def sentence_count(passages: int) -> int:
    """How many sentences a summary of this many chunks gets: 3 to 6, growing slowly."""
    return max(3, min(6, round(2 + math.log2(max(1, passages)))))


def blocks(text: str) -> list[str]:
    """The text's paragraphs and list items, lines wrapped inside a paragraph joined again.

    A line break is kept where a list item starts, after a blank line, and after a short line
    without final punctuation that a capital follows (a heading or a label); elsewhere it is a
    PDF's line wrap. A word hyphenated across the break is joined without a space.
    """
    lines = [line.strip() for line in text.splitlines()]
    longest = max((len(line) for line in lines), default=0)
    found: list[str] = []
    current = previous = ""
    for line in lines:
        if current and line and not _starts_block(previous, line, longest):
            current += line if current.endswith("-") and line[0].islower() else " " + line
        else:
            if current:
                found.append(current)
            current = line
        previous = line
    if current:
        found.append(current)
    return found


def _starts_block(previous: str, line: str, longest: int) -> bool:
    if LIST_ITEM.match(line):
        return True
    short = len(previous) < max(40, 0.6 * longest)
    return short and not TERMINAL.search(previous) and line[0].isupper()


def sentences(text: str) -> list[str]:
    """The sentences of a text, white space normalised, in order."""
    found = []
    for block in blocks(text):
        start = 0
        for boundary in BOUNDARY.finditer(block):
            if _ends_sentence(block, boundary.start(), boundary.end()):
                found.append(block[start : boundary.end()].strip())
                start = boundary.end()
        if block[start:].strip():
            found.append(block[start:].strip())
    return [" ".join(s.split()) for s in found]


def _ends_sentence(block: str, stop: int, after: int) -> bool:
    """Whether the punctuation at `stop` ends a sentence: not after an abbreviation or an
    initial ("John M. Chambers"), and followed by a capital, a digit or an opening quote."""
    following = block[after : after + 2].lstrip('"“‘([')
    if not following or not (following[0].isupper() or following[0].isdigit()):
        return False
    if block[stop] != ".":
        return True
    word = block[:stop].rsplit(maxsplit=1)[-1].lstrip('"“‘([').lower() if block[:stop] else ""
    return not (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()))


def is_informative(sentence: str) -> bool:
    """Whether a sentence can stand in a summary: prose of a sensible length, not page
    furniture (captions, figure labels, links, dot leaders, running headers, table rows), code
    or a formula. Cheap tests first: most sentences of a technical text fail one."""
    tokens = sentence.split()
    if not MIN_WORDS <= len(tokens) <= MAX_WORDS or not END.search(sentence[-TAIL:]):
        return False
    first = sentence.lstrip('"“‘(')[:1]
    if not first.isalpha() or not first.isupper() or LIST_ITEM.match(sentence):
        return False
    if CAPTION.match(sentence) or FIGURE_REFERENCE.search(sentence[-TAIL:]):
        return False
    if not NOT_PROSE_CHARACTERS.isdisjoint(sentence) or any(s in sentence for s in NOT_PROSE):
        return False
    words = [token.strip(PUNCTUATION) for token in tokens]
    if sum(map(str.isalpha, words)) < 0.8 * len(words) or _capital_runs(words):
        return False
    return "(" not in sentence or not CALL.search(sentence)


def _capital_runs(words: Sequence[str]) -> bool:
    """Whether capitalised words, or words in capitals, run longer than prose has them."""
    capitalised = shouted = 0
    for word in words:
        capitalised = capitalised + 1 if word[:1].isupper() else 0
        shouted = shouted + 1 if len(word) > 1 and word.isupper() else 0
        if capitalised > MAX_CAPITALISED_RUN or shouted > MAX_SHOUTED_RUN:
            return True
    return False


def _unit(embeddings: NDArray[np.float32]) -> NDArray[np.float64]:
    vectors = embeddings.astype(np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return vectors


def centrality(embeddings: NDArray[np.float32]) -> NDArray[np.float64]:
    """Each chunk's cosine to the document's mean vector (its degree centrality, see above)."""
    vectors = _unit(embeddings)
    mean = vectors.mean(axis=0)
    norm = np.linalg.norm(mean)
    if norm < 1e-12:
        return np.zeros(len(vectors))
    result: NDArray[np.float64] = vectors @ (mean / norm)
    return result


def diverse_order(embeddings: NDArray[np.float32], relevance: NDArray[np.float64]) -> Iterator[int]:
    """Chunks in maximal-marginal-relevance order, lazily: central, but unlike the chunks
    taken before them. Each step costs one pass over the vectors."""
    vectors = _unit(embeddings)
    closest = np.zeros(len(vectors))  # each chunk's similarity to the nearest one taken
    left = np.ones(len(vectors), dtype=bool)
    for _ in range(len(vectors)):
        gain = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * closest
        best = int(np.argmax(np.where(left, gain, -np.inf)))
        yield best
        left[best] = False
        closest = np.maximum(closest, vectors @ vectors[best])


def summarize(
    passages: Sequence[Passage],
    embeddings: NDArray[np.float32],
    term_score: Callable[[str], float],
    limit: int | None = None,
) -> list[SummarySentence]:
    """The summary: up to `limit` sentences (by default `sentence_count`), in reading order.

    `term_score` rates a sentence by the document's key terms it mentions; passages must be in
    reading order, with one embedding each.
    """
    if not passages:
        return []
    limit = sentence_count(len(passages)) if limit is None else limit
    relevance = centrality(embeddings)
    low, spread = float(relevance.min()), float(relevance.max() - relevance.min()) or 1.0
    split = [sentences(passage.text) for passage in passages]
    repeated = _repeated_sentences(split)
    candidates: list[_Candidate] = []
    sources = 0
    for step, index in enumerate(diverse_order(embeddings, relevance)):
        if sources == CANDIDATES_PER_SENTENCE * limit or step == MAX_PASSAGES_READ:
            break
        central = (float(relevance[index]) - low) / spread
        found = [
            _Candidate(index, position, text, central)
            for position, text in enumerate(_own_sentences(passages, split, index))
            if text not in repeated and is_informative(text)
        ]
        candidates += found
        sources += bool(found)
    chosen = _choose(candidates, term_score, limit)
    chosen.sort(key=lambda c: (passages[c.passage].ordinal, c.position))
    return [
        SummarySentence(c.text, passages[c.passage].page_start, passages[c.passage].page_end)
        for c in chosen
    ]


def _own_sentences(
    passages: Sequence[Passage], split: Sequence[list[str]], index: int
) -> list[str]:
    """The passage's sentences, less a first one the previous chunk also holds: chunks overlap,
    so that one is either there whole or a fragment cut at this chunk's start."""
    found = split[index]
    if found and index > 0 and found[0] in " ".join(passages[index - 1].text.split()):
        return found[1:]
    return found


def _repeated_sentences(split: Sequence[list[str]]) -> set[str]:
    """Running headers, footers and boilerplate: sentences in at least three chunks (two
    neighbours may share one through their overlap) and a tenth of them. A sentence a long
    document merely repeats now and then is still content."""
    seen: dict[str, set[int]] = defaultdict(set)
    for index, found in enumerate(split):
        for text in found:
            seen[text].add(index)
    least = max(3, 0.1 * len(split))
    return {text for text, where in seen.items() if len(where) >= least}


def _choose(
    candidates: list[_Candidate], term_score: Callable[[str], float], limit: int
) -> list[_Candidate]:
    """The best candidates by centrality and key terms: one per passage first, then more
    from the same passages if too few passages had a usable sentence."""
    terms = [term_score(c.text) for c in candidates]
    best_terms = max(terms, default=0.0) or 1.0
    scores = [
        CENTRALITY_SHARE * c.central + (1 - CENTRALITY_SHARE) * t / best_terms
        for c, t in zip(candidates, terms, strict=True)
    ]
    ranked = [candidates[i] for i in sorted(range(len(candidates)), key=lambda i: -scores[i])]
    chosen: list[_Candidate] = []
    texts: set[str] = set()
    for one_per_passage in (True, False):
        used = {c.passage for c in chosen}
        for candidate in ranked:
            if len(chosen) == limit:
                return chosen
            if candidate.text in texts or (one_per_passage and candidate.passage in used):
                continue
            chosen.append(candidate)
            texts.add(candidate.text)
            used.add(candidate.passage)
    return chosen
