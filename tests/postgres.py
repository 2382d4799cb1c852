"""A throwaway PostgreSQL server on loopback for the tests (Debian's postgresql package).

initdb into a temporary directory, start on a free port with trust
authentication on 127.0.0.1 only, create a database, stop and delete at the
end. PostgreSQL refuses to run as root, so as root it runs as the `postgres`
system user the package creates.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List

from tests.servers import free_port


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs it (apt-get install postgresql).")
    return found


class PostgresServer:
    def __init__(self) -> None:
        # A fresh directory directly under /tmp: the postgres user can't enter
        # pytest's private tmp folders, and a unique name survives parallel runs.
        self.workdir = Path(tempfile.mkdtemp(prefix="iop-pg-", dir="/tmp"))
        self.data = self.workdir / "pgdata"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, command: List[str]) -> None:
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> "PostgresServer":
        if self.as_root:
            shutil.chown(self.workdir, "postgres", "postgres")
        self._run([_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"])
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.workdir / "pg.log"), "-w", "start"])
        self._run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "iop"])
        return self

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/iop"

    def stop(self) -> None:
        try:
            self._run([_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.2)
        shutil.rmtree(self.workdir, ignore_errors=True)
