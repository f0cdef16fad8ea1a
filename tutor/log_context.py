"""Who a log line is about: the request id and user id of the request being served.

One context per request, bound by the API's request-id middleware and read by the log
formatter (`tutor.log_format`). It is a mutable holder, not two plain context variables, so a
user id learned in a sync dependency (which FastAPI runs in a worker thread, on a copy of the
context) still reaches the lines logged after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID


@dataclass
class LogContext:
    """The ids a log line carries; None where not (yet) known."""

    request_id: str | None = None
    user_id: str | None = None


_current: ContextVar[LogContext | None] = ContextVar("tutor_log_context", default=None)


def current() -> LogContext | None:
    """The context of the request being served here, if any."""
    return _current.get()


@contextlib.contextmanager
def bound(request_id: str | None) -> Iterator[LogContext]:
    """Bind a fresh context for the duration of one request (or job)."""
    context = LogContext(request_id)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_user(user_id: UUID | str) -> None:
    """Record the authenticated user; a no-op outside a bound context."""
    context = _current.get()
    if context is not None:
        context.user_id = str(user_id)
