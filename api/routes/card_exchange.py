"""Cards in and out of a deck: import a CSV, export CSV or an Anki package."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

import anyio
from fastapi import APIRouter, File, Response, UploadFile

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.schemas import PublicModel
from tutor.study import card_exchange

router = APIRouter(tags=["flashcards"], responses=error_responses(400, 401, 422))


class SkippedRowPublic(PublicModel):
    """A row that did not become a note: its line in the file and why (`empty_front`,
    `too_long`, `unknown_kind`, `cloze_without_deletions`, `duplicate`, `too_many_rows`)."""

    line: int
    reason: str


class ImportReportPublic(PublicModel):
    """How many rows became notes, and those that did not."""

    imported: int
    skipped: list[SkippedRowPublic]


def _attachment(name: str, extension: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "deck"
    return {"Content-Disposition": f'attachment; filename="{safe}.{extension}"'}


@router.post("/decks/{deck_id}/import", responses=error_responses(404))
async def import_cards(
    deck_id: UUID,
    user: UserDep,
    conn: ConnDep,
    file: Annotated[UploadFile, File(description="CSV with a header: front,back[,kind]")],
) -> ImportReportPublic:
    """Add a CSV's rows to the deck as notes; reports the rows skipped and why."""
    data = await file.read(card_exchange.MAX_IMPORT_BYTES + 1)
    report = await card_exchange.import_csv(conn, user.user_id, deck_id, data)
    return ImportReportPublic.model_validate(report)


@router.get(
    "/decks/{deck_id}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **error_responses(404)},
)
async def export_csv(deck_id: UUID, user: UserDep, conn: ConnDep) -> Response:
    """The deck's notes as CSV (front, back, kind and the source), importable again."""
    name, notes = await card_exchange.deck_notes(conn, user.user_id, deck_id)
    headers = _attachment(name, "csv")
    return Response(card_exchange.to_csv(notes), media_type="text/csv", headers=headers)


@router.get(
    "/decks/{deck_id}/export.apkg",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **error_responses(404)},
)
async def export_apkg(deck_id: UUID, user: UserDep, conn: ConnDep) -> Response:
    """The deck as an Anki package (.apkg)."""
    name, notes = await card_exchange.deck_notes(conn, user.user_id, deck_id)
    package = await anyio.to_thread.run_sync(card_exchange.to_apkg, deck_id, name, notes)
    headers = _attachment(name, "apkg")
    return Response(package, media_type="application/octet-stream", headers=headers)
