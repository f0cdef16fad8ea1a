"""A workaround for CPython 3.11 before 3.11.8 (gh-106905): `ast.parse` counts its recursion
depth in state shared by every thread, so a parse in one thread while another thread parses
(pytest rewriting a module imported lazily there, Hypothesis describing a lambda) fails with a
spurious SystemError. The tree is not at fault: parsing again succeeds. The test session
installs this once, so every parse in it, pytest's own included, retries."""

from __future__ import annotations

import ast
import functools
import sys
from typing import Any

TRIES = 5


def install() -> None:
    """Make `ast.parse` retry the spurious failure (a no-op on fixed Pythons)."""
    if sys.version_info >= (3, 11, 8) or getattr(ast.parse, "retries_gh_106905", False):
        return
    parse = ast.parse

    @functools.wraps(parse)
    def parse_again_on_mismatch(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(TRIES):
            try:
                return parse(*args, **kwargs)
            except SystemError as exc:
                if "recursion depth mismatch" not in str(exc) or attempt == TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    parse_again_on_mismatch.retries_gh_106905 = True  # type: ignore[attr-defined]
    ast.parse = parse_again_on_mismatch
