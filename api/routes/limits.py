"""What the caller may upload, so clients can refuse a file before sending megabytes of it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StateDep, UserDep
from api.schemas import PublicModel
from ingestion.detection import MARKDOWN_SUFFIXES

router = APIRouter(tags=["documents"])

# A hint for file pickers: the type is detected from the bytes, and any text file is accepted.
EXTENSIONS = [".pdf", ".docx", *MARKDOWN_SUFFIXES, ".txt"]


class LimitsPublic(PublicModel):
    """Upload limits and the accepted file types."""

    max_upload_bytes: int
    max_documents: int
    extensions: list[str]


@router.get("/limits")
async def limits(user: UserDep, state: StateDep) -> LimitsPublic:
    """The upload size limit, the document quota and the file types accepted."""
    del user  # any signed-in user; the figures are the same for everyone today
    settings = state.settings
    return LimitsPublic(
        max_upload_bytes=settings.max_upload_bytes,
        max_documents=settings.max_documents_per_user,
        extensions=EXTENSIONS,
    )
