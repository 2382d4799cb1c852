"""The database goes away mid-conversation (PostgreSQL stopped, then started again).

During the outage every visitor gets the honest apology with the phone number and the crisis
lines, never an answer that pretends the turn was kept (Rasa would answer from a conversation it
keeps in memory and then loses); a crisis message still gets the crisis reply. After it, the
conversation carries on, and every turn that got a real answer is in the database.
"""
import json
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.e2e.turns import PHONE, check_turn, is_crisis_reply
from tests.postgres import PostgresServer
from tests.servers import Assistant

APOLOGY = "something went wrong on my side"


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory):
    database = PostgresServer().start()
    server = Assistant(tmp_path_factory.mktemp("outage"), database.url).start()
    yield server, database
    server.stop()
    database.stop()


def stored_user_texts(url, sender):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
                                      {"s": sender}).all()
    finally:
        engine.dispose()
    return [json.loads(row.data)["text"] for row in rows]


def test_an_outage_gets_the_apology_a_crisis_still_gets_its_reply_and_nothing_answered_is_lost(on_postgres):
    server, database = on_postgres
    sender = f"web-{uuid.uuid4().hex}"
    answered = []
    for message in ("hi", "what is an intensive outpatient program?"):
        assert APOLOGY not in check_turn(server.say(sender, message))
        answered.append(message)

    database.halt()  # PostgreSQL stopped, its data kept
    try:
        for message in ("how many hours a day is it?", "what about partial hospitalization?"):
            text = check_turn(server.say(sender, message))
            assert APOLOGY in text and PHONE in text and "988" in text and "911" in text, text
        crisis = server.say(sender, "I want to end my life tonight")
        assert is_crisis_reply(crisis), "the crisis reply needs no database"
        check_turn(crisis)
        other = f"web-{uuid.uuid4().hex}"
        assert APOLOGY in check_turn(server.say(other, "hello")), "a new conversation too"
    finally:
        database.start()

    # Back: the conversation carries on (a pooled connection may fail once more: that turn apologises too).
    deadline, text = time.monotonic() + 60, APOLOGY
    while APOLOGY in text and time.monotonic() < deadline:
        text = check_turn(server.say(sender, "what is a relapse?"))
    assert APOLOGY not in text
    answered.append("what is a relapse?")
    stored = stored_user_texts(database.url, sender)
    assert all(message in stored for message in answered), (answered, stored)
