"""Answering a saved practice set: submit an answer, read the set's attempts and score, and
settle an answer the grader was unsure of."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StringConstraints, model_validator

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.schemas import PublicModel
from tutor.study import practice_attempts
from tutor.study.practice_attempts import Answer

router = APIRouter(tags=["practice"], responses=error_responses(400, 401, 422))

AnswerText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
OptionIndex = Annotated[int, Field(ge=0, le=100)]


class AttemptCreate(BaseModel):
    """An answer to one question of the set, named by its id or its ordinal."""

    attempt_id: UUID = Field(description="Chosen by the client; a retry with it changes nothing")
    item_id: UUID | None = None
    ordinal: int | None = Field(default=None, ge=0)
    answer: OptionIndex | AnswerText = Field(
        description="The answer's text; for multiple choice the option's text or its index"
    )

    @model_validator(mode="after")
    def one_question(self) -> Self:
        """Exactly one of item_id and ordinal."""
        if (self.item_id is None) == (self.ordinal is None):
            raise ValueError("Give either item_id or ordinal.")
        return self


class AttemptResolve(BaseModel):
    """The student's own verdict on an answer the grader was unsure of."""

    correct: bool


class AttemptPublic(PublicModel):
    """A graded answer, with the question's key and explanation."""

    id: UUID
    set_id: UUID
    item_id: UUID
    ordinal: int
    document_id: UUID | None
    answer: str
    verdict: str = Field(description="correct, incorrect or uncertain")
    correct: bool | None = Field(description="The final say; null while uncertain")
    similarity: float | None
    answered_at: datetime
    first_try: bool
    key: str
    explanation: str


class ScorePublic(PublicModel):
    """The set's score: the latest answer per question, counted."""

    questions: int
    answered: int
    correct: int
    uncertain: int
    share: float | None = Field(description="correct / answered; null before any answer")


class SetAttempts(BaseModel):
    """The caller's latest attempt at each question of a set, and the score they make."""

    items: list[AttemptPublic]
    score: ScorePublic


@router.post(
    "/practice-sets/{set_id}/attempts",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(404),
)
async def submit_attempt(
    set_id: UUID, body: AttemptCreate, user: UserDep, conn: ConnDep, state: StateDep
) -> AttemptPublic:
    """Answer a question of one of the caller's practice sets; graded at once."""
    given = Answer(body.attempt_id, body.answer, body.item_id, body.ordinal)
    attempt = await practice_attempts.submit(conn, state.embedder, user.user_id, set_id, given)
    return AttemptPublic.model_validate(attempt)


@router.get("/practice-sets/{set_id}/attempts", responses=error_responses(404))
async def list_attempts(set_id: UUID, user: UserDep, conn: ConnDep) -> SetAttempts:
    """The caller's latest attempt at each question of the set (one per question, so one page),
    and the set's score."""
    latest, score = await practice_attempts.set_score(conn, user.user_id, set_id)
    items = [AttemptPublic.model_validate(a) for a in latest]
    return SetAttempts(items=items, score=ScorePublic.model_validate(score))


@router.post(
    "/practice-sets/{set_id}/attempts/{attempt_id}/resolve", responses=error_responses(404)
)
async def resolve_attempt(
    set_id: UUID, attempt_id: UUID, body: AttemptResolve, user: UserDep, conn: ConnDep
) -> AttemptPublic:
    """Mark an uncertain answer right or wrong."""
    attempt = await practice_attempts.resolve(conn, user.user_id, set_id, attempt_id, body.correct)
    return AttemptPublic.model_validate(attempt)
