"""'Delete my conversation': asked to confirm, then every row is gone (issue #13).

Through the public webhook as a client talks to it (a conversation handed
out by the server), checked in the database.
"""
import json
import sqlite3

import pytest

from tests.e2e.test_callback import stored
from tests.e2e.turns import PHONE, buttons, check_turn


def say(assistant, sender, token, message):
    status, reply = assistant.request(
        assistant.webhook, json.dumps({"sender": sender, "message": message}).encode(), token=token
    )
    assert status == 200, reply
    return reply


def names(reply):
    return [message.get("response") for message in reply]


def count(assistant, sql, *parameters):
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        return db.execute(sql, parameters).fetchone()[0]


def events(assistant, sender):
    return count(assistant, "SELECT count(*) FROM events WHERE sender_id = ?", sender)


def with_callback(assistant):
    sender, token = assistant.new_conversation()
    for message in ("can someone from your team call me?", "Jo Reyes", "(619) 555-0193",
                    "Morning", "no", "/affirm", "/affirm"):
        say(assistant, sender, token, message)
    assert len(stored(assistant, sender)) == 1
    return sender, token


def test_confirmed_deletion_erases_every_row(assistant):
    sender, token = with_callback(assistant)
    ask = say(assistant, sender, token, "delete my conversation")
    assert "utter_ask_delete_conversation" in names(ask)
    assert [b["title"] for b in buttons(ask)] == ["Yes, delete it", "No, keep it"]
    assert "can't be undone" in check_turn(ask)
    done = say(assistant, sender, token, "/affirm")
    assert "utter_conversation_deleted" in names(done) and PHONE in check_turn(done)
    assert any((message.get("custom") or {}).get("conversation_deleted") for message in done), "clients clear theirs"
    assert events(assistant, sender) == 0 and stored(assistant, sender) == []
    assert count(assistant, "SELECT count(*) FROM staff_audit_log WHERE action = 'erase' AND username = 'the person'") >= 1
    assert count(assistant, "SELECT count(*) FROM staff_audit_log WHERE conversation_id = ?", sender) == 0
    # The same client can go on: a new, empty conversation under the same id.
    assert "five days a week" in check_turn(say(assistant, sender, token, "what is an intensive outpatient program?"))
    assert count(assistant, "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'user'", sender) == 1


def test_declining_keeps_everything(assistant):
    sender, token = with_callback(assistant)
    say(assistant, sender, token, "can you erase everything i told you")
    before = events(assistant, sender)
    kept = say(assistant, sender, token, "no")
    assert "utter_conversation_kept" in names(kept)
    assert events(assistant, sender) > before and len(stored(assistant, sender)) == 1


@pytest.mark.parametrize("message", [
    "i want you to remove my data",
    "please wipe this chat, i don't want a record",
    "forget everything I told you",
])
def test_ways_of_asking(assistant, message):
    sender, token = assistant.new_conversation()
    say(assistant, sender, token, "hello")
    assert "utter_ask_delete_conversation" in names(say(assistant, sender, token, message))
    assert events(assistant, sender) > 0, "nothing is deleted before the person confirms"


def test_a_yes_out_of_the_blue_deletes_nothing(assistant):
    sender, token = assistant.new_conversation()
    say(assistant, sender, token, "what is residential treatment?")
    reply = say(assistant, sender, token, "yes")
    assert "utter_conversation_deleted" not in names(reply) and events(assistant, sender) > 0


@pytest.mark.parametrize("start", ["can someone from your team call me?", "i need help for my son"])
def test_asking_in_the_middle_of_a_form_stops_it_and_asks(assistant, start):
    sender, token = assistant.new_conversation()
    say(assistant, sender, token, start)
    ask = say(assistant, sender, token, "delete my conversation")
    assert names(ask) == ["utter_ask_delete_conversation"], "not taken as an answer to the form's question"
    assert "utter_conversation_deleted" in names(say(assistant, sender, token, "/affirm"))
    assert events(assistant, sender) == 0
