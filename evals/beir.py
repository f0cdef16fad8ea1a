"""Reading a dataset in the BEIR layout: corpus.jsonl, queries.jsonl, qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CorpusDoc:
    """One corpus entry."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class BeirDataset:
    """A corpus, the queries of one split and their relevance judgements."""

    corpus: dict[str, CorpusDoc]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_corpus(folder: Path) -> dict[str, CorpusDoc]:
    """Every document of corpus.jsonl, in file order."""
    with (folder / "corpus.jsonl").open(encoding="utf-8") as lines:
        rows = (json.loads(line) for line in lines if line.strip())
        return {
            str(r["_id"]): CorpusDoc(str(r["_id"]), r.get("title", ""), r["text"]) for r in rows
        }


def load_qrels(folder: Path, split: str) -> dict[str, dict[str, int]]:
    """query id -> {corpus id: relevance} from qrels/<split>.tsv (it has a header row)."""
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return qrels


def load_beir(folder: Path, split: str) -> BeirDataset:
    """The dataset with only the queries that have judgements in `split`, in qrels order."""
    qrels = load_qrels(folder, split)
    with (folder / "queries.jsonl").open(encoding="utf-8") as lines:
        rows = (json.loads(line) for line in lines if line.strip())
        texts = {str(r["_id"]): r["text"] for r in rows}
    missing = qrels.keys() - texts.keys()
    if missing:
        raise ValueError(f"{len(missing)} judged queries are missing from queries.jsonl")
    return BeirDataset(load_corpus(folder), {q: texts[q] for q in qrels}, qrels)
