"""The regression gate: a run's aggregates against the thresholds recorded in a baseline file.

A baseline file is JSON: `{"checks": [{"suite": "grounded-qa", "limit": 5,
"min": {"contains": 0.2}, "max": {"phantom_citations": 3}}]}`. `min` holds metrics that must
not fall below their value, `max` metrics that must not rise above it (leak rate, phantoms).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Check:
    """One suite to run and the bounds its aggregates must respect."""

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
            suite=entry["suite"],
            limit=entry.get("limit"),
            minimum=entry.get("min", {}),
            maximum=entry.get("max", {}),
            options=entry.get("options", {}),
        )  # fmt: skip
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
