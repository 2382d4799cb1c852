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
