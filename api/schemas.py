"""The base of every response schema: read from a domain row's attributes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PublicModel(BaseModel):
    """A response schema built with `XPublic.model_validate(row)` from a domain dataclass.

    A detail schema takes the row plus its children the same way:
    `XDetail.model_validate({**vars(row), "children": rows})`; each child is read from its own
    row's attributes, so no route copies fields by hand.
    """

    model_config = ConfigDict(from_attributes=True)
