"""Callback requests in the database: migrations, the one transaction, honest failures.

Against a real SQLite file and a real PostgreSQL server (tests/postgres.py).
"""
import os
import re
import stat
import threading

import pytest
import sqlalchemy as sa

from storage import callbacks
from storage.callbacks import CallbackRequest, CallbackStoreError, open_requests, save_request
from storage.migrate import upgrade
from tests.postgres import PostgresServer


def request(conversation="conv-1", **changes) -> CallbackRequest:
    fields = dict(
        conversation_id=conversation,
        name="Sam Rivera",
        phone="+16195550123",
        best_time="evening",
        consent=True,
        note="prefers text first",
        triage={"for_whom": "someone I care about", "withdrawal": "no"},
    )
    fields.update(changes)
    return CallbackRequest(**fields)


@pytest.fixture(scope="module")
def postgres_url():
    server = PostgresServer().start()
    yield server.url
    callbacks._engines.pop(server.url, None)
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path, postgres_url):
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'iop.db'}"
    else:
        database = postgres_url
    upgrade(database)
    yield database
    with callbacks.engine(database).begin() as connection:
        connection.execute(callbacks.callback_requests.delete())


def rows(url):
    with callbacks.engine(url).connect() as connection:
        return list(connection.execute(sa.select(callbacks.callback_requests)))


def test_migration_creates_the_table_and_is_idempotent(url):
    upgrade(url)
    inspector = sa.inspect(callbacks.engine(url))
    columns = {column["name"] for column in inspector.get_columns("callback_requests")}
    assert {"reference", "conversation_id", "status", "name", "phone", "best_time", "consent", "triage"} <= columns


def test_the_stored_row_is_what_the_person_confirmed(url):
    reference = save_request(request(), url)
    assert re.fullmatch(r"CB-[2-9A-HJKMNP-Z]{6}", reference)
    [row] = rows(url)
    assert (row.reference, row.conversation_id, row.status) == (reference, "conv-1", "new")
    assert (row.name, row.phone, row.best_time, row.consent, row.note) == (
        "Sam Rivera", "+16195550123", "evening", True, "prefers text first",
    )
    assert row.triage == {"for_whom": "someone I care about", "withdrawal": "no"}


def test_asking_again_updates_the_open_request(url):
    first = save_request(request(), url)
    second = save_request(request(best_time="morning", phone="+16195550199"), url)
    assert first == second
    [row] = rows(url)
    assert (row.best_time, row.phone) == ("morning", "+16195550199")


def test_after_contact_a_new_request_is_a_new_row(url):
    first = save_request(request(), url)
    with callbacks.engine(url).begin() as connection:
        connection.execute(callbacks.callback_requests.update().values(status="contacted"))
    second = save_request(request(), url)
    assert first != second
    assert len(rows(url)) == 2 and [r.reference for r in open_requests(url)] == [second]


def test_no_consent_stores_nothing(url):
    with pytest.raises(ValueError):
        save_request(request(consent=False), url)
    assert rows(url) == []


def test_two_tabs_at_once_leave_one_open_request(url):
    references, errors = [], []

    def tab(best_time):
        try:
            references.append(save_request(request(best_time=best_time), url))
        except Exception as problem:  # noqa: BLE001 - recorded and asserted below
            errors.append(problem)

    threads = [threading.Thread(target=tab, args=(time,)) for time in ("morning", "evening", "afternoon", "any")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(references)) == 1
    assert len(rows(url)) == 1


def test_a_database_that_refuses_the_write_raises(tmp_path):
    database = tmp_path / "readonly.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    database.chmod(stat.S_IRUSR)
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.geteuid() == 0:
            # root ignores file modes: refuse with the database's own trigger instead.
            tmp_path.chmod(0o700)
            database.chmod(0o600)
            with callbacks.engine(url).begin() as connection:
                connection.execute(sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON callback_requests "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                ))
        with pytest.raises(CallbackStoreError):
            save_request(request(), url)
    finally:
        tmp_path.chmod(0o700)
        callbacks._engines.pop(url, None)


def test_a_stopped_postgresql_raises(tmp_path):
    server = PostgresServer().start()
    upgrade(server.url)
    server.stop()
    try:
        with pytest.raises(CallbackStoreError):
            save_request(request(), server.url)
    finally:
        callbacks._engines.pop(server.url, None)
