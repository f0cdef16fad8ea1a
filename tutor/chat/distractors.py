"""Distractors that are really wrong answers: repeats and rewordings of the key found and replaced.

The local model's distractors often restate the key: `assign`, `assign.` and `assigns` for
`assign()`, or the key's own clause with one word changed. An item with such options used to be
dropped whole. Now only the weak distractors go: those equal to, inside, around or mostly the
same words as the key or an earlier distractor, and those defective on their own (cut off, "all
of the above"). The writer asks the model for three new ones and takes those that pass; what
is still missing comes from the notes themselves: terms of the key's shape (other function
names for a function, other figures for a figure, phrases built alike for a phrase) from the
sentences around the anchor, the ones most like the key in embedding space first, short of
meaning the same.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

import numpy as np

from ingestion.embedding import Embedder
from tutor.chat.anchors import FUNCTION_WORDS, LEANING_OPENERS
from tutor.chat.hint_guard import NUMBER, normalise
from tutor.chat.question_checks import option_defects

PARAPHRASE_SHARE = 0.6  # content-word overlap (Jaccard) above which two options say the same
SAME_MEANING = 0.9  # embedding cosine at which a candidate is the key in other words
MAX_CANDIDATES = 200  # embedded at once: a fraction of a second on two cores
MAX_PHRASE_WORDS = 3  # a longer key is a clause or a list: the notes hold no terms like it
FUNCTION_CALL = re.compile(r"[A-Za-z.][\w.]*\(\)")
FUNCTION_NAME = re.compile(r"(?<![\w.])([A-Za-z.][\w.]*[A-Za-z0-9])\(")
IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z][\w]*[._][\w.]*[A-Za-z0-9](?![\w(])")
CLAUSE_BREAK = re.compile(r"[,;:()\[\]\"“”‘’]|\s[-–—]\s|[.!?](?:\s|$)")
CODE_TOKEN = re.compile(r"\S*[()\[\]$<>=_{}]\S*")
# Words that open or link sentences, capitalised by their place, never a term to offer: "See"
# and "However" were offered beside the key "TRUE".
NOT_TERMS = LEANING_OPENERS | frozenset("see note notes example examples also".split())
PHRASE_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def option_words(text: str) -> list[str]:
    """An option's words for comparison: normalised, function words out, plurals folded."""
    words = normalise(text).split()
    content = [w for w in words if w not in FUNCTION_WORDS] or words
    return [_singular(w) for w in content]


def _singular(word: str) -> str:
    """A plural folded onto its singular, roughly: enough to see `cavities` is `cavity`."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def same_option(a: str, b: str) -> bool:
    """Whether two options amount to one: equal, one inside the other, or mostly the same words."""
    wa, wb = option_words(a), option_words(b)
    if not wa or not wb:
        return not wa and not wb
    if _inside(wa, wb) or _inside(wb, wa):
        return True
    return len(set(wa) & set(wb)) / len(set(wa) | set(wb)) > PARAPHRASE_SHARE


def _inside(small: list[str], big: list[str]) -> bool:
    """Whether `small` occurs in `big` as a run of whole words."""
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def weak_distractors(key: str, distractors: Sequence[str]) -> list[int]:
    """Indexes of the distractors to replace; the first of two alike stays."""
    weak: list[int] = []
    kept = [key]
    for index, distractor in enumerate(distractors):
        if option_defects(distractor) or any(same_option(distractor, k) for k in kept):
            weak.append(index)
        else:
            kept.append(distractor)
    return weak


def conformed(key: str, distractor: str) -> str:
    """A bare figure offered for a figure with a unit takes the key's wording (`32` beside the
    key `26%` becomes `32%`), so the unit alone does not give the key away."""
    number = NUMBER.search(key)
    bare = NUMBER.fullmatch(distractor.strip())
    if number is None or bare is None or key.strip() == number.group() or shape_of(key) != "number":
        return distractor
    return key.replace(number.group(), distractor.strip(), 1)


def shape_of(key: str) -> str:
    """What kind of term the key is: `function`, `number`, `code` or `words`."""
    key = key.strip()
    if FUNCTION_CALL.fullmatch(key):
        return "function"
    if NUMBER.search(key) and len(key.split()) <= 4:
        return "number"
    if IDENTIFIER.fullmatch(key) or any(mark in key for mark in ("<-", "(", "$", "[", "~")):
        return "code"
    return "words"


def candidate_terms(key: str, sentences: Sequence[str]) -> list[str]:
    """Terms of the key's shape in `sentences`, in their order, each once."""
    shape = shape_of(key)
    found: list[str] = []
    for sentence in sentences:
        if shape == "function":
            found += [f"{name}()" for name in FUNCTION_NAME.findall(sentence)]
        elif shape == "code":
            found += IDENTIFIER.findall(sentence) + [
                f"{n}()" for n in FUNCTION_NAME.findall(sentence)
            ]
        elif shape == "number":
            number = NUMBER.search(key)
            assert number is not None  # shape_of found it
            found += [
                key.replace(number.group(), n.rstrip(","), 1) for n in NUMBER.findall(sentence)
            ]
        elif len(key.split()) <= MAX_PHRASE_WORDS:
            found += [p for p in _phrases(sentence, key) if _same_head(p, key)]
    return list(dict.fromkeys(found))


def _same_head(phrase: str, key: str) -> bool:
    """A single word, or a phrase sharing the key's first or last word ("Plasmodium
    falciparum" for "Plasmodium vivax", "character vector" for "numeric vector"): a run of
    words that merely fits the pattern is seldom a term ("functions make heavy")."""
    words, key_words = option_words(phrase), option_words(key)
    if len(key_words) < 2:
        return True
    return words[:1] == key_words[:1] or words[-1:] == key_words[-1:]


def _phrases(sentence: str, key: str) -> list[str]:
    """Runs of words within a clause built like the key: function words where it has them,
    content words elsewhere, capitalised as it is ("distinct entries in the factor" draws
    "ordered levels in the vector", never "factor is similarly created")."""
    pattern = [w.lower() in FUNCTION_WORDS for w in key.split()]
    capitalised = key[:1].isupper()
    phrases = []
    prose = CODE_TOKEN.sub(" , ", sentence)  # `seq()` is no word to offer for "levels"
    for clause in CLAUSE_BREAK.split(prose):
        tokens = clause.split()
        for start in range(len(tokens) - len(pattern) + 1):
            run = tokens[start : start + len(pattern)]
            if not all(PHRASE_WORD.fullmatch(t) for t in run):
                continue
            if len(run) == 1 and run[0].lower() in NOT_TERMS:
                continue
            if [t.lower() in FUNCTION_WORDS for t in run] == pattern:
                if run[0][:1].isupper() == capitalised:
                    phrases.append(" ".join(run))
    return phrases


def _number_differs(term: str, key: str) -> bool:
    """Whether one is plural and the other not: "levels" is better matched by "factors" than
    by "section", but will take it when the notes have too few plurals."""
    return _plural(term.split()[-1]) != _plural(key.split()[-1])


def _plural(word: str) -> bool:
    word = word.lower()
    return len(word) > 3 and word.endswith("s") and not word.endswith("ss")


async def notes_distractors(
    embedder: Embedder,
    key: str,
    options: Sequence[str],
    anchor: str,
    sentences: Sequence[str],
    needed: int,
) -> list[str]:
    """Up to `needed` distractors from `sentences`, none alike to `options` (the key first) nor
    stated in the anchor; the most key-like first (plural for a plural), except for figures,
    which keep their order."""
    anchor_words = option_words(anchor)
    candidates = [
        term
        for term in candidate_terms(key, sentences)
        if not any(same_option(term, o) for o in options)
        and not _inside(option_words(term), anchor_words)
    ][:MAX_CANDIDATES]
    if candidates and shape_of(key) != "number":
        vectors = np.asarray(await asyncio.to_thread(embedder.embed, [key, *candidates]))
        likeness = dict(zip(candidates, (vectors[1:] @ vectors[0]).tolist(), strict=True))
        candidates = sorted(
            (term for term in candidates if likeness[term] < SAME_MEANING),
            key=lambda term: (_number_differs(term, key), -likeness[term]),
        )
    chosen: list[str] = []
    for term in candidates:
        if len(chosen) == needed:
            break
        if not any(same_option(term, c) for c in chosen):
            chosen.append(term)
    return chosen
