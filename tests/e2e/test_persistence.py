"""Conversations are stored in the SQL tracker store and survive a server restart."""
import sqlite3

from tests.e2e.turns import check_turn


def test_context_survives_a_restart_of_the_rasa_server(assistant, sender):
    check_turn(assistant.say(sender, "what is partial hospitalization?"))
    assistant.rasa.stop()
    assistant.start_rasa()
    assert "seven days a week" in check_turn(assistant.say(sender, "how many days a week is that?"))


def test_messages_are_rows_in_the_events_table(assistant, sender):
    assistant.say(sender, "what is rehab?")
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        types = [row[0] for row in db.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))]
    assert "user" in types and "bot" in types


def test_conversations_persist_in_postgresql(tmp_path_factory, sender):
    import sqlalchemy

    from tests.postgres import PostgresServer
    from tests.servers import Assistant

    workdir = tmp_path_factory.mktemp("postgres-assistant")
    postgres = PostgresServer().start()
    server = Assistant(workdir, postgres.url)
    try:
        server.start()
        check_turn(server.say(sender, "tell me about residential treatment"))
        server.rasa.stop()
        server.start_rasa()
        assert "live at the treatment centre" in check_turn(server.say(sender, "can i sleep at home during it?"))
        engine = sqlalchemy.create_engine(postgres.url)
        with engine.connect() as connection:
            count = connection.execute(
                sqlalchemy.text("SELECT count(*) FROM events WHERE sender_id = :sender AND type_name = 'user'"),
                {"sender": sender},
            ).scalar()
        assert count == 2
        # A callback request goes to the same PostgreSQL database, confirmed only once stored.
        for message in ("please call me", "Sam Rivera", "(619) 555-0123", "Evening", "Nothing to add", "/affirm"):
            check_turn(server.say(sender, message))
        confirmation = check_turn(server.say(sender, "/affirm"))
        with engine.connect() as connection:
            row = connection.execute(
                sqlalchemy.text("SELECT reference, name, phone FROM callback_requests WHERE conversation_id = :sender"),
                {"sender": sender},
            ).one()
        engine.dispose()
        assert row.reference in confirmation
        assert (row.name, row.phone) == ("Sam Rivera", "+16195550123")
    finally:
        server.stop()
        postgres.stop()
