"""Retention: a purge removes exactly what is past its period, on SQLite and PostgreSQL.

Each database is built as the assistant builds it (Rasa's tracker store
table, the project's migrations), then filled with records of known ages.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from staff_review import db
from staff_review.retention import Retention, purge
from storage.migrate import upgrade
from storage.tracker_store import UrlSQLTrackerStore
from tests.servers import ROOT

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
RETENTION = Retention(conversations_days=30, closed_callbacks_days=60, audit_days=365)


@pytest.fixture(autouse=True)
def staff_key(monkeypatch):
    """The key of the erase rows' pseudonyms (not the developer's var/staff_review.key)."""
    monkeypatch.setenv("STAFF_SECRET_KEY", "k" * 40)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'iop.db'}"
        yield url
        return
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    try:
        yield server.url
    finally:
        db.engine(server.url).dispose()
        server.stop()


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def fill(url: str) -> None:
    UrlSQLTrackerStore(host=url)  # Rasa's own `events` table
    upgrade(url)
    conversations = {"old": 45, "old-open-callback": 45, "old-closed-callback": 45, "recent": 5,
                     "recent-old-closed-callback": 5}
    with db.engine(url).begin() as connection:
        for sender, age in conversations.items():
            for offset in (2, 1):  # two events; the last one's age counts
                connection.execute(db.events.insert().values(
                    sender_id=sender, type_name="user", timestamp=days_ago(age + offset - 1).timestamp(),
                    data=json.dumps({"event": "user", "text": "hello"}),
                ))
        for number, (sender, status, changed) in enumerate([
            ("old-open-callback", "contacted", 40), ("old-closed-callback", "closed", 40),
            ("recent-old-closed-callback", "closed", 90),
        ]):
            callback_id = connection.execute(db.callback_requests.insert().values(
                reference=f"CB-TEST{number}", conversation_id=sender, status=status, name="N", phone="+16195550100",
                best_time="Morning", consent=True, created_at=days_ago(changed + 1), updated_at=days_ago(changed),
            )).inserted_primary_key[0]
            connection.execute(db.callback_history.insert().values(
                callback_id=callback_id, from_status="new", to_status=status, changed_by="maria", changed_at=days_ago(changed),
            ))
        for age in (400, 300):
            connection.execute(db.audit_log.insert().values(at=days_ago(age), username="maria", action="view_transcript",
                                                            conversation_id="recent"))


def senders(url: str) -> set:
    with db.engine(url).connect() as connection:
        return set(connection.execute(sa.select(db.events.c.sender_id).distinct()).scalars())


def test_a_purge_removes_exactly_what_is_past_its_period(database):
    fill(database)
    counts = purge(RETENTION, now=NOW, url=database)
    assert counts == {"conversations": 2, "closed callback requests": 1, "audit rows": 1}
    assert senders(database) == {"old-open-callback", "recent", "recent-old-closed-callback"}
    with db.engine(database).connect() as connection:
        references = set(connection.execute(sa.select(db.callback_requests.c.reference)).scalars())
        history = connection.execute(sa.select(sa.func.count()).select_from(db.callback_history)).scalar()
        audit = list(connection.execute(sa.select(db.audit_log.c.action, db.audit_log.c.at)))
    assert references == {"CB-TEST0"}, "the open one stays, with its conversation"
    assert history == 1
    actions = sorted(action for action, _ in audit)
    assert actions == ["erase", "erase", "purge", "view_transcript"], "the 400-day-old row went; each erase and the purge are noted"
    assert purge(RETENTION, now=NOW, url=database) == {"conversations": 0, "closed callback requests": 0, "audit rows": 0}


@pytest.mark.parametrize("value", ["0", "-3", "a year", "1.5"])
def test_a_malformed_period_is_refused_with_its_name(value, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "staff_review.retention"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
             "RETAIN_CONVERSATIONS_DAYS": value},
    )
    assert result.returncode == 2 and "RETAIN_CONVERSATIONS_DAYS" in result.stderr


def test_a_database_the_assistant_has_not_used_yet_is_no_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade(url)  # the project's tables, but not yet Rasa's `events`
    assert purge(RETENTION, now=NOW, url=url) == {"conversations": 0, "closed callback requests": 0, "audit rows": 0}
