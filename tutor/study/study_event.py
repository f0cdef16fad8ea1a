"""One entry of the learning record: what a student did, when, and what produced it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

EventKind = Literal["review", "practice_answer", "task_done", "tutor_question", "focus_session"]


@dataclass(frozen=True, slots=True)
class StudyEvent:
    """One thing a student did, with what produced it."""

    user_id: UUID
    kind: EventKind
    source_key: str
    occurred_at: datetime
    duration_s: int | None = None
    document_id: UUID | None = None
    detail: dict[str, Any] = field(default_factory=dict)
