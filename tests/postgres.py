"""A throwaway PostgreSQL server on loopback for the tests (Debian's postgresql package):
scripts/local_services.Postgres in a fresh directory under /tmp, on a free port, deleted at the end."""
from __future__ import annotations

import tempfile
from pathlib import Path

from scripts.local_services import Postgres
from tests.servers import free_port


class PostgresServer(Postgres):
    def __init__(self) -> None:
        # Directly under /tmp: the postgres user can't enter pytest's private tmp folders,
        # and a unique name survives parallel runs.
        super().__init__(Path(tempfile.mkdtemp(prefix="iop-pg-", dir="/tmp")), free_port())

    def stop(self, mode: str = "fast") -> None:
        """Stop and delete (the tests' servers are throwaway); `restart` keeps the data."""
        self.destroy()

    def halt(self) -> None:
        """Stop, keeping the data: `start` brings the same database back."""
        Postgres.stop(self)
