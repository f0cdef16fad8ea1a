"""`tutor search`: a user's notes, searched through the same code as the API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from retrieval.search import SearchMode, SearchParams, embed_query, search_chunks
from tutor.accounts import users
from tutor.resources import opened
from tutor.settings import Settings


async def search_notes(
    settings: Settings, email: str, query: str, k: int, mode: str
) -> list[dict[str, Any]]:
    """The user's best chunks for the query, as plain dicts."""
    search_mode = SearchMode(mode)
    needs_embedder = search_mode is not SearchMode.FTS
    async with (
        opened(settings, migrate=False, pool_size=1, embedder=needs_embedder) as resources,
        resources.pool.connection() as conn,
    ):
        owner = await users.get_user_by_email(conn, email)
        embedding = await embed_query(resources.embedder, query) if needs_embedder else None
        params = SearchParams(candidates=settings.search_candidates)
        hits = await search_chunks(
            conn, owner.id, query, embedding, k=k, mode=search_mode, params=params
        )
    return [asdict(hit) for hit in hits]
