"""Practice sets' errors, leaves of the bases `api/errors.py` maps (404, 409, 422)."""

from __future__ import annotations

from typing import Any

from tutor.errors import InvalidInput
from tutor.practice.item_checks import ItemProblem
from tutor.study.errors import StudyConflict, StudyNotFound


class PracticeItemNotFound(StudyNotFound):
    """No such question in this practice set."""

    code = "practice_item_not_found"


class ItemInvalid(InvalidInput):
    """The question cannot be saved as it is."""

    code = "item_invalid"

    def __init__(self, problems: list[ItemProblem]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems

    @property
    def details(self) -> dict[str, Any]:
        """The problems, for the error body."""
        return {"problems": [vars(p) for p in self.problems]}


class SetChanged(StudyConflict):
    """The set's questions changed meanwhile: reload it and try again."""

    code = "set_changed"


class GenerationNotFound(StudyNotFound):
    """No such practice generation (or not yours)."""

    code = "practice_generation_not_found"


class NothingToRewrite(StudyConflict):
    """This question has no passage of the notes to rewrite it from (written by hand, or its
    document was deleted or is no longer shared)."""

    code = "nothing_to_rewrite"
