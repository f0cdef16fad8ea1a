"""Searching one's own notes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.rate_limits import rate_limited
from api.schemas import PublicModel
from retrieval.search import SearchMode, SearchParams, embed_query, search_chunks

router = APIRouter(tags=["search"], responses=error_responses(400, 401, 422))


class SearchHitPublic(PublicModel):
    """A matching chunk and its source."""

    chunk_id: int
    document_id: UUID
    filename: str
    page_start: int | None
    page_end: int | None
    heading_path: list[str]
    text: str
    score: float


class SearchResults(BaseModel):
    """Best matches first."""

    query: str
    mode: SearchMode
    items: list[SearchHitPublic]


@router.get("/search", dependencies=[rate_limited("search")])
async def search(
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: SearchMode = SearchMode.HYBRID,
    document_id: UUID | None = None,
) -> SearchResults:
    """Chunks of the caller's documents that best match `q`."""
    embedding = None if mode is SearchMode.FTS else await embed_query(state.embedder, q)
    params = SearchParams(candidates=state.settings.search_candidates)
    scope = [document_id] if document_id else None
    hits = await search_chunks(
        conn, user.user_id, q, embedding, k=k, mode=mode, document_ids=scope, params=params
    )
    items = [SearchHitPublic.model_validate(h) for h in hits]
    return SearchResults(query=q, mode=mode, items=items)
