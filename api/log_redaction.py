"""Credentials out of the server log: uvicorn logs every request line with its query string.

Tokens never travel in URLs here (websockets take a single-use ticket or a header), but a
client may still put one there; this keeps it, and every ticket, out of the log either way.
"""

from __future__ import annotations

import logging
import re

# `ticket=`, `token=`, `access_token=` and any other `*_token=` in a query string.
SECRET_PARAM = re.compile(r"(?i)(^|[?&;\s])(ticket|[\w.-]*token)=[^&;\s\"']*")
REDACTED = "[redacted]"
# uvicorn.access: HTTP request lines; uvicorn.error: websocket handshakes ("WebSocket /path?...").
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    """`text` with the value of every secret-looking query parameter replaced."""
    return SECRET_PARAM.sub(rf"\1\2={REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        return True


def _redacted(arg: object) -> object:
    return redact(arg) if isinstance(arg, str) else arg


def redact_server_logs() -> None:
    """Install the filter on uvicorn's loggers, once however many apps are created.

    A logger's own filters survive uvicorn's logging setup (`dictConfig` replaces handlers only),
    so installing before `uvicorn.run` is enough.
    """
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
