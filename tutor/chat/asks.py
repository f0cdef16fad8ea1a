"""What a student can ask the tutor for, validated before any work starts."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class Mode(StrEnum):
    """The four things the tutor does."""

    ANSWER = "answer"
    HINT = "hint"
    PRACTICE = "practice"
    EXPLAIN = "explain"


class Ask(BaseModel):
    """One request to the tutor (the websocket's `ask` message without its `type`)."""

    mode: Mode = Mode.ANSWER
    text: str = Field(min_length=1, max_length=4000)
    conversation_id: UUID | None = None
    document_ids: list[UUID] | None = Field(default=None, max_length=50)
    hint_level: int = Field(default=1, ge=1, le=3)
    count: int = Field(default=5, ge=1, le=10)
    level: Literal["beginner", "intermediate", "advanced"] = "intermediate"
    # A hint on a practice question: its answer key is what the hint must not give away.
    practice_item_id: UUID | None = None
