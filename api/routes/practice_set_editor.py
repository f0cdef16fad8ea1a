"""The practice set editor: edit a question (the checks run on every edit and say what is
wrong), add one by hand, remove one, reorder, rename the set."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field, StringConstraints

from api.deps import ConnDep, UserDep
from api.error_responses import error_responses
from api.routes.conversations import PracticeItemPublic, PracticeSetDetail, practice_set_detail
from tutor.chat.practice import PracticeItem
from tutor.practice import set_editing
from tutor.practice.item_checks import ItemProblem, ItemText

router = APIRouter(tags=["practice sets"], responses=error_responses(400, 401, 404, 422))

Option = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ItemEdit(BaseModel):
    """A question as the teacher wrote it: multiple choice (the answer is one of the options,
    word for word) or short answer (no options)."""

    kind: Literal["multiple_choice", "short_answer"] = "multiple_choice"
    question: str = Field(max_length=1000)
    options: list[Option] = Field(default_factory=list, max_length=10)
    answer: str = Field(max_length=300)
    explanation: str = Field(default="", max_length=2000)

    def text(self) -> ItemText:
        """The domain's view of it, trimmed."""
        return ItemText(
            self.kind,
            self.question.strip(),
            list(self.options),
            self.answer.strip(),
            self.explanation.strip(),
        )


class ItemCreate(ItemEdit):
    """A new question, with an id the client chooses: a retried add finds the first."""

    id: UUID


class SetOrder(BaseModel):
    """Every question of the set, each once, in the new order."""

    item_ids: list[UUID] = Field(min_length=1, max_length=500)


class SetRename(BaseModel):
    """The set's new name."""

    topic: Topic


def _item(item: PracticeItem, problems: list[ItemProblem]) -> PracticeItemPublic:
    return PracticeItemPublic.model_validate({**vars(item), "problems": problems})


@router.put("/practice-sets/{set_id}/items/{item_id}")
async def edit_item(
    set_id: UUID, item_id: UUID, body: ItemEdit, user: UserDep, conn: ConnDep
) -> PracticeItemPublic:
    """Save an edited question with the problems the checks still find (warnings); a problem
    that makes it unusable (the answer not one of the options, two options alike...) refuses
    the edit with 422 and `problems`."""
    item, problems = await set_editing.edit_item(conn, user.user_id, set_id, item_id, body.text())
    return _item(item, problems)


@router.post(
    "/practice-sets/{set_id}/items",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PracticeItemPublic, "description": "Added before (a retry)."}},
)
async def add_item(
    set_id: UUID, body: ItemCreate, user: UserDep, conn: ConnDep, response: Response
) -> PracticeItemPublic:
    """Add a question written by hand at the end of the set (201; 200 for a retry)."""
    item, problems, new = await set_editing.add_item(
        conn, user.user_id, set_id, body.id, body.text()
    )
    if not new:
        response.status_code = status.HTTP_200_OK
    return _item(item, problems)


@router.delete("/practice-sets/{set_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_item(set_id: UUID, item_id: UUID, user: UserDep, conn: ConnDep) -> None:
    """Take a question out of the set."""
    await set_editing.remove_item(conn, user.user_id, set_id, item_id)


@router.put("/practice-sets/{set_id}/order", responses=error_responses(409))
async def reorder(set_id: UUID, body: SetOrder, user: UserDep, conn: ConnDep) -> PracticeSetDetail:
    """Put the questions in a new order (409 when the list is not exactly the set's questions:
    it changed meanwhile)."""
    await set_editing.reorder(conn, user.user_id, set_id, body.item_ids)
    return await practice_set_detail(conn, user.user_id, set_id)


@router.patch("/practice-sets/{set_id}")
async def rename(set_id: UUID, body: SetRename, user: UserDep, conn: ConnDep) -> PracticeSetDetail:
    """Rename the set."""
    await set_editing.rename(conn, user.user_id, set_id, body.topic)
    return await practice_set_detail(conn, user.user_id, set_id)
