"""What the caller may upload, so clients can refuse a file before sending megabytes of it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.schemas import PublicModel
from ingestion.detection import MARKDOWN_SUFFIXES
from ingestion.storage_quota import usage

router = APIRouter(tags=["documents"], responses=error_responses(400, 401, 422))

# A hint for file pickers: the type is detected from the bytes, and any text file is accepted.
EXTENSIONS = [".pdf", ".docx", *MARKDOWN_SUFFIXES, ".txt"]


class LimitsPublic(PublicModel):
    """Upload limits, the caller's quota and what of it they use, and the accepted types."""

    max_upload_bytes: int
    max_documents: int
    used_documents: int
    max_storage_bytes: int
    used_bytes: int
    extensions: list[str]


@router.get("/limits")
async def limits(user: UserDep, state: StateDep, conn: ConnDep) -> LimitsPublic:
    """The upload size limit, the document and storage quotas with the caller's use of them,
    and the file types accepted."""
    settings = state.settings
    now = await usage(conn, user.user_id)
    return LimitsPublic(
        max_upload_bytes=settings.max_upload_bytes,
        max_documents=settings.max_documents_per_user,
        used_documents=now.documents,
        max_storage_bytes=settings.max_storage_bytes_per_user,
        used_bytes=now.used_bytes,
        extensions=EXTENSIONS,
    )
