"""What every benchmark prints about the run itself, so a dirty or busy run is recognisable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def source_state() -> str:
    """The commit measured, marked dirty when the working tree has uncommitted changes."""
    repo = Path(__file__).resolve().parents[1]
    command = ["git", "-C", str(repo), "describe", "--always", "--dirty"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def print_load(when: str) -> None:
    """The load average, so a run disturbed by other work can be recognised."""
    one, five, fifteen = os.getloadavg()
    print(f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)")
