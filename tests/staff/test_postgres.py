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
