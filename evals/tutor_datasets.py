"""The tutor's evaluation sets, read from ../shared/data: notes to ingest and items to ask.

- grounded-qa: XQuAD (English), each article one document, its questions asked in turn.
- no-answer: the SQuAD 2.0 dev sample, each distinct context one document; about half the
  questions cannot be answered from it.
- hints: GSM8K test problems with their final numeric answers.
- practice: topics over R-intro.pdf.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SEED = 13


@dataclass(frozen=True)
class Note:
    """A document to upload for a suite."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Item:
    """One thing to ask, with what a right answer contains."""

    id: str
    text: str
    answers: tuple[str, ...] = ()
    answerable: bool = True
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    """Notes plus items; `mode` is how the items are asked."""

    name: str
    mode: str
    notes: list[Note]
    items: list[Item]


def _sample(items: list[Item], limit: int | None) -> list[Item]:
    """A fixed random sample (the same every run), so runs compare item for item."""
    if limit is None or limit >= len(items):
        return items
    return random.Random(SEED).sample(items, limit)


def grounded_qa(limit: int | None, root: Path = SHARED) -> Suite:
    """XQuAD English: every article as a Markdown document; questions with gold spans."""
    data = json.loads((root / "xquad-en" / "xquad.en.json").read_text(encoding="utf-8"))
    notes, items = [], []
    for article in data["data"]:
        title = article["title"].replace("_", " ")
        body = "\n\n".join(p["context"] for p in article["paragraphs"])
        notes.append(Note(f"{article['title']}.md", f"# {title}\n\n{body}\n".encode()))
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                golds = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                items.append(Item(qa["id"], qa["question"], golds, extra={"article": title}))
    return Suite("grounded-qa", "answer", notes, _sample(items, limit))


def no_answer(limit: int | None, root: Path = SHARED) -> Suite:
    """SQuAD 2.0 sample: each distinct context a document; half the questions unanswerable."""
    folder = root / "squad2-dev-sample500"
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))["queries"]
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    contexts = list(dict.fromkeys(q["context"] for q in queries))
    notes = [Note(f"context-{i:03d}.md", c.encode()) for i, c in enumerate(contexts)]
    items = [
        Item(
            q["id"],
            q["question"],
            tuple(truth[q["id"]]["answers"]),
            answerable=not truth[q["id"]]["is_impossible"],
        )
        for q in queries
    ]
    if limit is not None:  # balanced: as many unanswerable as answerable
        answerable = _sample([i for i in items if i.answerable], (limit + 1) // 2)
        unanswerable = _sample([i for i in items if not i.answerable], limit // 2)
        items = answerable + unanswerable
    return Suite("no-answer", "answer", notes, items)


def hints(limit: int | None, root: Path = SHARED) -> Suite:
    """GSM8K test problems; the gold is the number after `####`."""
    items = []
    lines = (root / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        row = json.loads(line)
        final = row["answer"].split("####")[-1].strip().replace(",", "")
        items.append(Item(f"gsm8k-{number}", row["question"], (final,)))
    return Suite("hints", "hint", [], _sample(items, limit))


PRACTICE_TOPICS = (
    "vectors and assignment",
    "factors",
    "lists and data frames",
    "reading data from files",
    "probability distributions",
    "grouping, loops and conditional execution",
    "writing your own functions",
    "statistical models",
    "graphical procedures",
    "packages",
)


def practice(limit: int | None, root: Path = SHARED) -> Suite:
    """Practice sets on topics of R-intro.pdf (the introduction to R)."""
    pdf = root / "documents" / "educational" / "R-intro.pdf"
    topics = PRACTICE_TOPICS[: limit or len(PRACTICE_TOPICS)]
    items = [Item(f"topic-{i}", t) for i, t in enumerate(topics)]
    return Suite("practice", "practice", [Note(pdf.name, pdf.read_bytes())], items)


SUITES = {"grounded-qa": grounded_qa, "no-answer": no_answer, "hints": hints, "practice": practice}


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())
