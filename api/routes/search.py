"""Searching one's own notes and the materials one's classes share."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.rate_limits import rate_limited
from api.schemas import PublicModel
from retrieval.scopes import search_scopes
from retrieval.search import SearchMode, SearchParams, embed_query
from tutor.classes import materials

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
    class_id: UUID | None = None
    class_name: str | None = None


class SearchResults(BaseModel):
    """Best matches first."""

    query: str
    mode: SearchMode
    items: list[SearchHitPublic]


@router.get("/search", dependencies=[rate_limited("search")], responses=error_responses(429))
async def search(
    user: UserDep,
    state: StateDep,
    conn: ConnDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: SearchMode = SearchMode.HYBRID,
    document_id: UUID | None = None,
    classes: Annotated[
        bool, Query(description="Include the materials the caller's classes share.")
    ] = True,
) -> SearchResults:
    """Chunks that best match `q`: of the caller's documents and, unless `classes` is false,
    of those their classes share (each such hit names its class)."""
    embedding = None if mode is SearchMode.FTS else await embed_query(state.embedder, q)
    params = SearchParams(candidates=state.settings.search_candidates)
    chosen = [document_id] if document_id else None
    scopes = await materials.reading_scopes(conn, user.user_id, chosen, classes=classes)
    hits = await search_scopes(conn, scopes, q, embedding, k=k, mode=mode, params=params)
    items = [SearchHitPublic.model_validate(h) for h in hits]
    return SearchResults(query=q, mode=mode, items=items)
