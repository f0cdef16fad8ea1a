"""A small BEIR folder cut from a big one: for smoke runs that must finish in a minute or two.

The first `queries` judged queries of a split, every document judged for them, and
`distractors` other documents drawn with a fixed seed, so each cut is the same every time.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path


def write_subset(
    source: Path, target_root: Path, split: str, queries: int, distractors: int, seed: int = 1
) -> Path:
    """The subset's folder under `target_root` (written once, then reused)."""
    target = target_root / f"{source.resolve().name}-{split}-q{queries}-d{distractors}-s{seed}"
    if (target / "qrels" / f"{split}.tsv").exists():
        return target
    with (source / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle, delimiter="\t"))
    chosen = list(dict.fromkeys(row[0] for row in rows))[:queries]
    judged_rows = [row for row in rows if row[0] in chosen]
    judged = {row[1] for row in judged_rows}
    corpus = [json.loads(line) for line in _lines(source / "corpus.jsonl")]
    others = [doc for doc in corpus if str(doc["_id"]) not in judged]
    random.Random(seed).shuffle(others)
    kept = [doc for doc in corpus if str(doc["_id"]) in judged] + others[:distractors]
    wanted = set(chosen)
    questions = [q for q in map(json.loads, _lines(source / "queries.jsonl")) if q["_id"] in wanted]
    partial = target.with_name(target.name + ".partial")
    (partial / "qrels").mkdir(parents=True, exist_ok=True)
    (partial / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in kept))
    (partial / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    with (partial / "qrels" / f"{split}.tsv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t")
        writer.writerow(header)
        writer.writerows(judged_rows)
    partial.rename(target)  # complete or absent: a crash mid-write leaves no half subset
    return target


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
