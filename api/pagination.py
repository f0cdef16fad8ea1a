"""Offset pagination shared by the list endpoints: fetch one row more than a page to know."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def page_of(rows: Sequence[T], limit: int, offset: int) -> tuple[list[T], int | None]:
    """The page's rows (rows were fetched with limit + 1) and the next offset, None at the end."""
    return list(rows[:limit]), (offset + limit if len(rows) > limit else None)
