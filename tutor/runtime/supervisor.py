"""`tutor up`: the API and the worker as child processes over one set of services."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from subprocess import Popen
from types import FrameType
from typing import IO

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
STOP_GRACE_S = 15.0


def _die_with_parent() -> None:
    # Children get SIGTERM if the supervisor itself is killed: no orphans holding ports.
    with_libc = ctypes.CDLL("libc.so.6", use_errno=True)
    with_libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(args: list[str], env: dict[str, str], log: IO[bytes] | None = None) -> Popen[bytes]:
    """Start `python -m tutor.cli ARGS` with the services' environment; it dies with us."""
    return subprocess.Popen(
        [sys.executable, "-m", "tutor.cli", *args],
        env={**os.environ, **env},
        stdout=log,
        stderr=log,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait until Ctrl-C/SIGTERM or a child exits, then stop all children; returns exit code."""
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        log.info("received %s, stopping", signal.Signals(signum).name)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            exited = {name: c.returncode for name, c in children.items() if c.poll() is not None}
            if exited:
                log.error(
                    "%s exited unexpectedly (%s); stopping the rest", *next(iter(exited.items()))
                )
                stop(children)
                return 1
            time.sleep(0.2)
        stop(children)
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM every child, wait, SIGKILL whatever is left."""
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for name, child in children.items():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", name)
            child.kill()
            child.wait()
