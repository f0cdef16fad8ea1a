"""The one place domain errors become HTTP statuses, close codes and a stable JSON shape."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.request_id import current_request_id
from ingestion import errors as ingestion_errors
from tutor import errors
from tutor.study import errors as study_errors

STATUS: dict[type[errors.TutorError], int] = {
    errors.InvalidCredentials: 401,
    errors.InvalidToken: 401,
    errors.Forbidden: 403,
    errors.EmailTaken: 409,
    errors.UserNotFound: 404,
    errors.DocumentNotFound: 404,
    errors.OverviewNotReady: 404,
    errors.QuotaExceeded: 413,
    errors.InvalidInput: 422,
    errors.ModelUnavailable: 503,
    errors.RateLimited: 429,
    errors.SignInUnavailable: 503,
    errors.PasswordCheckBusy: 503,
    errors.WrongPassword: 403,
    errors.TeacherSignupClosed: 403,
    errors.InvalidInvite: 403,
    errors.TeacherRequestNotFound: 404,
    errors.TooManyGenerations: 429,
    errors.ConversationNotFound: 404,
    errors.MessageNotFound: 404,
    errors.PracticeSetNotFound: 404,
    errors.PromptError: 500,
    errors.PracticeGenerationFailed: 502,
    errors.GenerationInterrupted: 409,
    errors.NotGenerating: 409,
    errors.Busy: 409,
    errors.EvalRunNotFound: 404,
    errors.RealtimeUnavailable: 503,
    errors.ExportNotFound: 404,
    errors.ExportNotReady: 409,
    study_errors.StudyNotFound: 404,
    study_errors.StudyConflict: 409,
    study_errors.InvalidTimezone: 422,
    ingestion_errors.FileTooLarge: 413,
    ingestion_errors.UnsupportedFileType: 415,
    ingestion_errors.EmptyFile: 400,
    ingestion_errors.CorruptDocument: 422,
    ingestion_errors.DocumentNotFailed: 409,
}
# Websocket close code for a failed handshake auth (4000-4999 are application codes).
WS_UNAUTHORIZED = 4401
# The server cannot go on serving the socket (its Redis feed broke): the client reconnects.
WS_INTERNAL_ERROR = 1011
# The user already holds TUTOR_WS_SOCKETS_PER_USER sockets on this server.
WS_TOO_MANY_SOCKETS = 4429
# Values PostgreSQL refuses because of what the client sent: a number past the column's range,
# a string longer than the column, a character the encoding lacks. None: psycopg refused a NUL
# byte before sending. Other data errors (division by zero, say) are bugs, answered with a 500.
CLIENT_DATA_SQLSTATES = {None, "22001", "22003", "22021", "22P05"}
# A restarted PostgreSQL takes a few seconds to accept connections again.
DATABASE_RETRY_AFTER_S = 5

log = logging.getLogger(__name__)


def status_for(exc: errors.TutorError) -> int:
    """HTTP status for a domain error; the most specific mapping wins."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON every error response carries."""
    return {"error": {"code": code, "message": message, **extra}}


async def _tutor_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.TutorError)
    return error_response(exc)


def error_response(exc: errors.TutorError) -> JSONResponse:
    """The response a domain error maps to: its status, envelope and headers."""
    headers = {"WWW-Authenticate": "Bearer"} if status_for(exc) == 401 else {}
    retry_after = getattr(exc, "retry_after_s", None)
    if retry_after is not None:  # 429 and 503s that clear by themselves say when to retry
        headers["Retry-After"] = str(retry_after)
    # An error may carry more for the client (an item's problems, say) beside code and message.
    extra = getattr(exc, "details", None) or {}
    return JSONResponse(
        error_body(exc.code, exc.message, **extra), status_for(exc), headers=headers
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse(
        error_body("invalid_input", "The request is invalid.", details=details), 422
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {401: "invalid_token", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, psycopg.DataError)
    if exc.sqlstate not in CLIENT_DATA_SQLSTATES:
        raise exc
    log.info("%s %s: refused a value (%s)", request.method, request.url.path, exc.sqlstate)
    message = "A value in the request is out of range, too long, or holds a NUL byte."
    return JSONResponse(error_body("invalid_input", message), 422)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Connection refused or lost, no pooled connection in time (PoolTimeout), a statement past
    # its timeout (QueryCanceled): the database, not the request, is at fault, and it passes.
    assert isinstance(exc, psycopg.OperationalError)
    log.warning(
        "%s %s: database unavailable (%s: %s)",
        request.method,
        request.url.path,
        type(exc).__name__,
        exc,
    )
    message = "The database is unavailable right now; try again shortly."
    body = error_body("service_unavailable", message, request_id=current_request_id())
    return JSONResponse(body, 503, headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)})


def install_error_handlers(app: FastAPI) -> None:
    """Register the mappings on the app."""
    app.add_exception_handler(errors.TutorError, _tutor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(psycopg.DataError, _data_error)
    app.add_exception_handler(psycopg.OperationalError, _database_unavailable)


class CatchAll:
    """ASGI middleware: an exception no handler mapped is logged with its traceback and request
    id, and answered with a 500 in the usual envelope; the client learns nothing of the cause."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            request_id = current_request_id()
            log.exception("%s %s failed (request %s)", scope["method"], scope["path"], request_id)
            if started:
                raise  # half a response is out: only dropping the connection tells the client
            body = error_body(
                "internal_error", "Something went wrong on our side.", request_id=request_id
            )
            await JSONResponse(body, 500)(scope, receive, send)
