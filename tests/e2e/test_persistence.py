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
