"""The migrations (storage/migrations/) make exactly the tables the code declares (storage.migrate.all_metadata), and revision 0005 empties the staff index so it is rebuilt."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.migrate import alembic_config, all_metadata, upgrade


def test_the_migrations_make_what_the_code_queries(tmp_path):
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, all_metadata())
                       if not (d[0] == "add_table" and d[1].name == "events")]  # Rasa makes its own table
    engine.dispose()
    assert differences == []


def test_revision_0005_empties_the_index_for_a_rebuild(tmp_path):
    url = f"sqlite:///{tmp_path / 'index.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0004")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO staff_messages (event_id, conversation_id, timestamp, text, intent, confidence) "
                                   "VALUES (1, 'c', 0, 'Morning', 'greet', 0.95)"))
        connection.execute(sa.text("INSERT INTO staff_conversations VALUES ('c', 0, '2026-01-01', 0, 1, 'rest', 1, 1, "
                                   "0, 0, 0, 0, 1)"))
        connection.execute(sa.text("INSERT INTO staff_sync_state (id, last_event_id) VALUES (1, 1)"))
        connection.execute(sa.text("INSERT INTO staff_notes (conversation_id, author, body, created_at) "
                                   "VALUES ('c', 'maria', 'called', '2026-01-01')"))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        for table in ("staff_messages", "staff_conversations", "staff_sync_state"):
            assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        assert connection.execute(sa.text("SELECT count(*) FROM staff_notes")).scalar() == 1, "what staff made stays"
        columns = {column["name"] for column in sa.inspect(connection).get_columns("staff_messages")}
        assert "answers_slot" in columns
    command.downgrade(config, "0004")
    with engine.connect() as connection:
        assert "answers_slot" not in {column["name"] for column in sa.inspect(connection).get_columns("staff_messages")}
    engine.dispose()
