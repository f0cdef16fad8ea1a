"""Keyset pagination, the one convention of every list endpoint.

A list is ordered newest first by a timestamp and the row id; a page is fetched with
`limit + 1` rows, and when that extra row exists the last row shown becomes an opaque cursor.
The domain query continues strictly after the cursor's (timestamp, id), so rows inserted or
deleted between requests never shift a page the way an offset does.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from tutor.database import Keyset
from tutor.errors import InvalidInput

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page.")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="The previous page's `next_cursor`; omit for the first."),
]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next (null on the last)."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page; null on the last page."
    )


def encode_cursor(key: Keyset) -> str:
    """The opaque cursor for a row's (timestamp, id)."""
    raw = f"{key[0].isoformat()}|{key[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Keyset | None:
    """The (timestamp, id) a cursor stands for; None for no cursor (the first page)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        timestamp, _, row_id = raw.partition("|")
        key = datetime.fromisoformat(timestamp), UUID(row_id)
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidInput("The cursor is not valid.") from exc
    if key[0].tzinfo is None:
        raise InvalidInput("The cursor is not valid.")
    return key


def paginate(
    rows: Sequence[T], limit: int, key: Callable[[T], Keyset]
) -> tuple[list[T], str | None]:
    """The page's rows (rows were fetched with `limit + 1`) and the next cursor, None at the end."""
    page = list(rows[:limit])
    return page, (encode_cursor(key(page[-1])) if len(rows) > limit else None)
