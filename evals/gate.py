"""The regression gate: a run's aggregates against the thresholds recorded in a baseline file.

A baseline file is JSON: `{"checks": [{"kind": "tutor", "suite": "hints", "limit": 3,
"max": {"leak_rate": 0.0}}, {"kind": "retrieval", "suite": "retrieval-hybrid", "options":
{"dataset": "../../shared/data/scifact", "queries": 20, "distractors": 150},
"min": {"ndcg_at_10": 0.85}}]}`. `min` holds metrics that must not fall below their value,
`max` metrics that must not rise above it (leak rate, phantoms). A retrieval check runs on a
fixed cut of the dataset (evals/beir_subset.py), its path relative to the baseline file. A
tutor check's `options` may hold `prompts` ({"answer": "answer@v2"}) and `settings` (overrides
for that check only, e.g. {"tutor_max_output_tokens": 48}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Check:
    """One suite to run and the bounds its aggregates must respect."""

    kind: str
    suite: str
    limit: int | None
    minimum: dict[str, float]
    maximum: dict[str, float]
    options: dict[str, Any]


def load_baseline(path: Path) -> list[Check]:
    """The checks of a baseline file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Check(
            kind=entry.get("kind", "tutor"),
            suite=entry["suite"],
            limit=entry.get("limit"),
            minimum=entry.get("min", {}),
            maximum=entry.get("max", {}),
            options=entry.get("options", {}),
        )
        for entry in data["checks"]
    ]


def breaches(check: Check, metrics: dict[str, Any]) -> list[str]:
    """Each bound the aggregates break, as a sentence; empty when all hold."""
    found = []
    for name, bound in check.minimum.items():
        value = metrics.get(name)
        if not isinstance(value, int | float) or value < bound:
            found.append(f"{check.suite}: {name} = {value} is below the threshold {bound}")
    for name, bound in check.maximum.items():
        value = metrics.get(name)
        if not isinstance(value, int | float) or value > bound:
            found.append(f"{check.suite}: {name} = {value} is above the threshold {bound}")
    return found
