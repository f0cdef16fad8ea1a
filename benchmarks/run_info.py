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


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used, all its threads (Linux /proc); 0 once
    it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of() -> dict[int, list[int]]:
    """Every live process's direct children, by parent pid (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    return children


def postgres_cpu_s(pgdata: Path) -> float:
    """CPU seconds of a server's live processes: postmaster, backends, background workers.
    A backend that exits takes its seconds with it; pooled connections stay open."""
    try:
        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    backends = children_of().get(postmaster, [])
    return process_cpu_s(postmaster) + sum(process_cpu_s(pid) for pid in backends)


# The instruction sets that change the figures here: MiniLM and llama.cpp run far faster with
# AVX-512 (and bfloat16 or AMX) than on the AVX2-only machines CI and most schools have.
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16")


def cpu_summary() -> str:
    """`AMD EPYC, 2 CPUs, avx2 avx512f`: the CPU model and the flags that matter (Linux)."""
    model, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    shown = " ".join(flag for flag in CPU_FLAGS if flag in flags)
    return f"{model}, {os.cpu_count()} CPUs, {shown or 'none of ' + ' '.join(CPU_FLAGS)}"
