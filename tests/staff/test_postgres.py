"""The same app on PostgreSQL: the events of the real conversations (copied row for row
from the assistant's database) in a throwaway PostgreSQL server, read through the app."""
from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa

from tests.staff.conftest import XSS, path_of


@pytest.fixture(scope="module")
def pg_client(assistant, conversations):
    from rasa.core.tracker_store import SQLTrackerStore

    from staff_review import create_app
    from staff_review.users import create_user
    from storage.migrate import upgrade
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    monkeypatch = pytest.MonkeyPatch()
    try:
        monkeypatch.setenv("DATABASE_URL", server.url)
        upgrade(server.url)
        engine = sa.create_engine(server.url)
        SQLTrackerStore.Base.metadata.create_all(engine)  # Rasa's own schema
        with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as source:
            source.row_factory = sqlite3.Row
            senders = list(vars(conversations).values())
            marks = ",".join("?" * len(senders))
            events = [dict(r) for r in source.execute(f"SELECT * FROM events WHERE sender_id IN ({marks})", senders)]
        with engine.begin() as connection:
            connection.execute(sa.table("events", *(sa.column(name) for name in events[0])).insert(), events)
        create_user("pgreviewer", "pg-reviewer-password", "reviewer")
        client = create_app({"SECRET_KEY": "x"}).test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"username": "pgreviewer", "password": "pg-reviewer-password", "csrf_token": token})
        yield client, engine
    finally:
        monkeypatch.undo()
        server.stop()


def test_list_filters_and_search_on_postgresql(pg_client, conversations):
    client, _ = pg_client
    page = client.get("/conversations").text
    assert all(f">{cid}</a>" in page for cid in vars(conversations).values())
    crisis = client.get("/conversations", query_string={"flag": "crisis"}).text
    assert f">{conversations.crisis}</a>" in crisis and f">{conversations.plain}</a>" not in crisis
    found = client.get("/conversations", query_string={"q": "Bunch Of Pills"}).text
    assert f">{conversations.crisis}</a>" in found and f">{conversations.plain}</a>" not in found
    for query in ("%", "_", "' OR 1=1 --", "'; DROP TABLE events; --"):
        response = client.get("/conversations", query_string={"q": query})
        assert response.status_code == 200 and "No conversations match." in response.text


def test_search_uses_the_trigram_index(pg_client):
    _, engine = pg_client
    with engine.connect() as connection:
        indexes = set(connection.execute(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'staff_messages'")).scalars())
    assert "ix_staff_messages_text_trgm" in indexes


def test_transcript_on_postgresql(pg_client, conversations):
    client, _ = pg_client
    page = client.get(path_of(conversations.xss)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS not in page


def test_erase_on_postgresql_leaves_no_row(pg_client, conversations):
    from staff_review import db
    from staff_review.erase import erase_conversations
    from storage.callbacks import CallbackRequest, save_request

    client, engine = pg_client
    url = engine.url.render_as_string(hide_password=False)
    gone = conversations.misunderstood
    assert client.get(path_of(gone)).status_code == 200  # indexed, and viewed (an audit row)
    save_request(CallbackRequest(conversation_id=gone, name="Lou Pg", phone="+16195550177", best_time="Morning",
                                 consent=True, note=None, triage={}), url)
    with engine.begin() as connection:
        connection.execute(db.notes.insert().values(conversation_id=gone, author="pgreviewer", body="called twice",
                                                    created_at=sa.func.now()))
    deleted = erase_conversations([gone], by="pgadmin", via="test", pseudonym_key="x", url=url)
    assert deleted["events"] > 0 and deleted["callback_requests"] == 1 and deleted["staff_notes"] == 1
    with engine.connect() as connection:
        for table, column in [(db.events, db.events.c.sender_id), (db.callback_requests, db.callback_requests.c.conversation_id),
                              (db.notes, db.notes.c.conversation_id), (db.conversations, db.conversations.c.conversation_id),
                              (db.messages, db.messages.c.conversation_id), (db.audit_log, db.audit_log.c.conversation_id)]:
            assert connection.execute(sa.select(sa.func.count()).select_from(table).where(column == gone)).scalar() == 0
        erased = connection.execute(sa.select(db.audit_log.c.action).where(db.audit_log.c.username == "pgadmin")).scalars()
        assert list(erased) == ["erase"]
    assert client.get(path_of(gone)).status_code == 404
    assert client.get(path_of(conversations.plain)).status_code == 200, "nobody else's data"
