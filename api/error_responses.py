"""The error responses routes declare in OpenAPI: the body every error carries (`error_body`
in `api/errors.py`), and what each status means.

Every router declares 400 (a body that cannot be parsed) and 422 with it, which also keeps
FastAPI from documenting its default `{"detail": [...]}` for a 422 the app never sends.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldErrorPublic(BaseModel):
    """One refused field of a request: its dotted location and why."""

    field: str
    message: str


class ErrorDetailPublic(BaseModel):
    """A machine-readable `code` and a human `message`; `details` on a 422 from validation,
    `request_id` on a 500."""

    code: str
    message: str
    details: list[FieldErrorPublic] | None = None
    request_id: str | None = None


class ApiErrorPublic(BaseModel):
    """The body of every error response."""

    error: ErrorDetailPublic


ERROR_DESCRIPTIONS = {
    400: "The body cannot be parsed, or the request cannot be carried out as sent.",
    401: "No valid bearer token (missing, expired, signed out, or its account is gone).",
    403: "The account may not do this.",
    404: "No such resource for this account.",
    409: "The resource's state does not allow this now.",
    413: "Too large, or over the account's storage quota.",
    415: "Not a supported file type.",
    422: "The request is invalid.",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "A service this needs is unavailable for now.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for error statuses a route may answer, each with `ApiErrorPublic`."""
    return {
        status: {"model": ApiErrorPublic, "description": ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }
