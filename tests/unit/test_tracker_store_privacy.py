"""A failed statement in the tracker store must not print what it was writing."""
import pytest
import sqlalchemy as sa

from storage.tracker_store import UrlSQLTrackerStore


def test_a_failed_insert_does_not_carry_the_events_data(tmp_path):
    store = UrlSQLTrackerStore(host=f"sqlite:///{tmp_path / 'iop.db'}")
    private = "Jane Whitfield, (619) 555-0142, relapsed last week"
    with pytest.raises(sa.exc.DBAPIError) as failed:
        with store.engine.begin() as connection:
            # A column that doesn't exist: the insert fails inside the database.
            connection.execute(sa.text("INSERT INTO events (no_such_column) VALUES (:data)"), {"data": private})
    assert "no_such_column" in str(failed.value), "the statement itself is still there to debug"
    assert private not in str(failed.value) and "555-0142" not in str(failed.value)


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    import os
    import stat

    from storage import engine

    path = tmp_path / "private" / "iop.db"
    with engine(f"sqlite:///{path}").connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
