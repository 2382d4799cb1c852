"""Create or upgrade the project's own tables (callback_requests and the staff review app's staff_* tables) with Alembic.

    python -m storage.migrate            # to the latest revision
    python -m storage.migrate --sql      # print the SQL instead (offline mode)

Revision 0001 makes callback_requests (storage/callbacks.py), 0002 the staff
review app's tables (staff_review/db.py). Rasa creates its own `events`
table; Alembic manages only ours.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from storage import database_url, private_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def all_metadata() -> list:
    """Every table the migrations manage, as the code declares them (Alembic's target_metadata,
    and what tests/staff/test_schema.py compares the migrated database with)."""
    from staff_review.db import metadata as staff_metadata
    from storage.callbacks import metadata as callback_metadata
    from storage.checkpoints import metadata as checkpoint_metadata
    from storage.handoffs import metadata as handoff_metadata

    return [callback_metadata, checkpoint_metadata, handoff_metadata, staff_metadata]


def alembic_config(url: Optional[str] = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords must be doubled for ConfigParser.
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: Optional[str] = None, sql: bool = False) -> None:
    url = url or database_url()
    parsed = make_url(url)
    if not sql and parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        private_file(Path(parsed.database))  # 0600, in a 0700 directory made if missing
    command.upgrade(alembic_config(url), "head", sql=sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    args = parser.parse_args()
    upgrade(sql=args.sql)


if __name__ == "__main__":
    main()
