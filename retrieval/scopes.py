"""Searching everything a reader may read: their own notes and the documents their classes
share with them.

Each scope is one owner's chunks (all of them, or chosen documents), searched by its own
statement under that owner's statistics, exactly as `search.search_chunks` searches one's own
notes; the hits of all scopes are then merged by score. Which scopes a reader has is decided
by the caller (`tutor.classes.materials.reading_scopes`, in SQL over class membership): this
module only searches them.

Scores of one mode are in one unit across scopes (cosine similarity, BM25, or RRF over each
scope's ranks), so the merge interleaves them; on a tie the reader's own notes come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

import numpy as np
from psycopg import AsyncConnection

from retrieval.search import SearchHit, SearchMode, SearchParams, search_chunks


@dataclass(frozen=True)
class Scope:
    """One owner's chunks a reader may search: their own notes (all, or the documents they
    chose), or the documents one of their classes shares, labelled with that class."""

    owner_id: UUID
    document_ids: tuple[UUID, ...] | None = None
    class_id: UUID | None = None
    class_name: str | None = None

    def label(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The hits marked with the class that shares them (own notes stay unmarked)."""
        if self.class_id is None:
            return hits
        return [replace(h, class_id=self.class_id, class_name=self.class_name) for h in hits]


def merged(found: Sequence[list[SearchHit]], k: int) -> list[SearchHit]:
    """The `k` best of several scopes' hits (each list best first, the reader's own first)."""
    ranked = [
        (-hit.score, order, position, hit)
        for order, hits in enumerate(found)
        for position, hit in enumerate(hits)
    ]
    ranked.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in ranked[:k]]


async def search_scopes(
    conn: AsyncConnection,
    scopes: Sequence[Scope],
    query: str,
    embedding: np.ndarray | None,
    *,
    k: int = 10,
    mode: SearchMode = SearchMode.HYBRID,
    params: SearchParams | None = None,
) -> list[SearchHit]:
    """The `k` best chunks for the query across `scopes` under the chosen mode."""
    found = []
    for scope in scopes:
        hits = await search_chunks(
            conn,
            scope.owner_id,
            query,
            embedding,
            k=k,
            mode=mode,
            document_ids=scope.document_ids,
            params=params,
        )
        found.append(scope.label(hits))
    return merged(found, k)
