"""The project's database: where conversations (Rasa's tracker store) and callback
requests live. One setting, DATABASE_URL, chooses it for every process.

`engine(url)` is the one SQLAlchemy engine (connection pool) per database URL
per process, shared by the callback store (storage/callbacks.py) and the
staff review app (staff_review/db.py). Its error messages never carry bound
parameters (`hide_parameters=True`): those are names, phone numbers and
message text, and an exception's message ends up in logs.
"""
import os
from pathlib import Path
from typing import Dict, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

# SQLite file under var/ unless DATABASE_URL names another database, e.g.
# postgresql://iop:secret@127.0.0.1:5432/iop
DEFAULT_DATABASE_URL = "sqlite:///var/iop.db"
# Seconds a SQLite connection waits for another process's write lock (Rasa's
# tracker store writes to the same file) before giving up; `?timeout=` in the
# URL overrides it.
SQLITE_TIMEOUT = 15

_engines: Dict[str, Engine] = {}


def private_file(path: Path) -> None:
    """Create a SQLite database file readable by its owner only (0600), before SQLite creates it
    with the default mode: whichever command touches the database first (make run, make
    staff-user, make callbacks), it holds health information."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def engine(url: Optional[str] = None) -> Engine:
    """One engine (connection pool) per database URL, per process."""
    url = url or database_url()
    if url not in _engines:
        options = {}
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and "timeout" not in parsed.query:
            options["connect_args"] = {"timeout": SQLITE_TIMEOUT}
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))
        _engines[url] = sa.create_engine(url, pool_pre_ping=True, future=True, hide_parameters=True, **options)
    return _engines[url]
