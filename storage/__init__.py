"""The project's database: where conversations (Rasa's tracker store) and callback
requests live. One setting, DATABASE_URL, chooses it for every process.

`engine(url)` is the one SQLAlchemy engine (connection pool) per database URL
per process, shared by the callback store (storage/callbacks.py) and the
staff review app (staff_review/db.py). Its error messages never carry bound
parameters (`hide_parameters=True`): those are names, phone numbers and
message text, and an exception's message ends up in logs.
"""
import os
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
        _engines[url] = sa.create_engine(url, pool_pre_ping=True, future=True, hide_parameters=True, **options)
    return _engines[url]
