"""The tutor's evaluation sets, read from ../shared/data: notes to ingest and items to ask.

- grounded-qa: XQuAD (English), each article one document, its questions asked in turn.
- no-answer: the SQuAD 2.0 dev sample, each distinct context one document; about half the
  questions cannot be answered from it. Reported on its held-out half (250 items); the other
  half calibrates the tutor's answerability threshold.
- hints: GSM8K test problems with their final numeric answers.
- practice: topics over R-intro.pdf and over 20 SciFact abstracts (five themes).
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


def squad2_halves(root: Path = SHARED) -> tuple[list[Note], dict[str, list[Item]]]:
    """The SQuAD 2.0 sample's contexts as notes, and its items split in two fixed halves.

    `calibration` tunes the answerability threshold; `held-out` is what `no-answer` reports.
    Each half holds half of the answerable and half of the unanswerable items.
    """
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
    halves: dict[str, list[Item]] = {"calibration": [], "held-out": []}
    for answerable in (True, False):
        group = sorted((i for i in items if i.answerable == answerable), key=lambda i: i.id)
        random.Random(SEED).shuffle(group)
        halves["calibration"] += group[: len(group) // 2]
        halves["held-out"] += group[len(group) // 2 :]
    return notes, halves


def no_answer(limit: int | None, root: Path = SHARED, half: str = "held-out") -> Suite:
    """SQuAD 2.0 sample, one half (held-out: what is reported; calibration: what tunes the
    answerability threshold); about half its questions are unanswerable."""
    notes, halves = squad2_halves(root)
    items = halves[half]
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


# Five topics per corpus. R-intro.pdf is one long manual; the SciFact notes are 20 abstracts,
# four for each of five themes, so a topic spans several documents as a student's notes do.
PRACTICE_TOPICS = (
    "vectors and assignment",
    "factors",
    "lists and data frames",
    "writing your own functions",
    "statistical models",
)
# Theme as asked, and the word a title must contain to be one of its abstracts.
SCIFACT_THEMES = (
    ("malaria", "malaria"),
    ("tuberculosis", "tuberculosis"),
    ("vitamin D", "vitamin d"),
    ("autophagy", "autophagy"),
    ("telomeres", "telomer"),
)
SCIFACT_PER_THEME = 4
SCIFACT_MIN_SENTENCES = 7  # enough for five distinct anchors in one abstract if need be


def scifact_notes(root: Path = SHARED) -> dict[str, list[Note]]:
    """Per theme, the first abstracts in corpus order whose title names it, long enough, none
    taken twice; each a Markdown note, `# title` over the abstract."""
    notes: dict[str, list[Note]] = {theme: [] for theme, _ in SCIFACT_THEMES}
    taken: set[str] = set()
    lines = (root / "scifact" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        doc = json.loads(line)
        sentences = len(re.split(r"(?<=[.!?])\s+", doc["text"]))
        for theme, word in SCIFACT_THEMES:
            wanted = len(notes[theme]) < SCIFACT_PER_THEME and word in doc["title"].lower()
            if wanted and doc["_id"] not in taken and sentences >= SCIFACT_MIN_SENTENCES:
                content = f"# {doc['title']}\n\n{doc['text']}\n".encode()
                notes[theme].append(Note(f"scifact-{doc['_id']}.md", content))
                taken.add(doc["_id"])
    return notes


def practice(limit: int | None, root: Path = SHARED) -> Suite:
    """Practice sets on R-intro.pdf topics and on SciFact themes, alternating (so `limit` 2 asks
    one of each). Each item searches only its own corpus: `extra["documents"]` names the files,
    which the eval turns into the ask's `document_ids`, so a statistics topic cannot draw on an
    abstract's statistics, nor a SciFact theme on the manual."""
    pdf = root / "documents" / "educational" / "R-intro.pdf"
    abstracts = [note for notes in scifact_notes(root).values() for note in notes]
    r_scope = {"corpus": "R-intro", "documents": pdf.name}
    scifact_scope = {"corpus": "scifact", "documents": "|".join(n.filename for n in abstracts)}
    items: list[Item] = []
    for i, (topic, (theme, _)) in enumerate(zip(PRACTICE_TOPICS, SCIFACT_THEMES, strict=True)):
        items.append(Item(f"r-intro-{i}", topic, extra=r_scope))
        items.append(Item(f"scifact-{i}", theme, extra=scifact_scope))
    items = items[: limit or len(items)]
    # Only the notes the chosen items search: one R-intro set needs none of the abstracts.
    asked = {name for item in items for name in item.extra["documents"].split("|")}
    notes = [
        note for note in [Note(pdf.name, pdf.read_bytes()), *abstracts] if note.filename in asked
    ]
    return Suite("practice", "practice", notes, items)


SUITES = {"grounded-qa": grounded_qa, "no-answer": no_answer, "hints": hints, "practice": practice}


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = re.sub(r"[^\w\s]", " ", text.lower())
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())
