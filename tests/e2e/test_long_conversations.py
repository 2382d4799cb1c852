"""A long conversation is rebuilt from its checkpoint and its latest events (storage/tracker_store.py),
and the assistant behaves exactly as it does with the whole history.

The server here checkpoints after 12 stored events, keeping 6: every turn or two crosses a
checkpoint, mid-form, mid-triage and mid-handoff. Each reply is compared with the reply of a
server that never checkpoints (it reads every event, as Rasa does) to the same messages.
"""
import json
import uuid

import pytest
import sqlalchemy as sa

from benchmarks.conversations import every_turn_of_ours, ours
from storage import engine, handoffs
from storage.checkpoints import tracker_checkpoints
from tests.e2e.test_handoff import call, staff
from tests.servers import Assistant

CHECKPOINT_AFTER, KEEP = 12, 6


@pytest.fixture(scope="module")
def short_memory(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("short-memory")
    env = {"TRACKER_CHECKPOINT_AFTER": str(CHECKPOINT_AFTER), "TRACKER_KEEP_EVENTS": str(KEEP)}
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}", env=env).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def whole_history(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("whole-history")
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}", env={"TRACKER_CHECKPOINT_AFTER": "1000000"}).start()
    yield server
    server.stop()


def names(reply):
    return [message.get("response") for message in reply]


def events_after_checkpoint(server, sender):
    with engine(server.database_url).connect() as connection:
        through = connection.execute(
            sa.select(tracker_checkpoints.c.through_id).where(tracker_checkpoints.c.sender_id == sender)
        ).scalar_one_or_none()
        assert through is not None, "the conversation has a checkpoint"
        return connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s AND id > :t"), {"s": sender, "t": through}
        ).scalar_one()


def test_a_long_conversation_goes_exactly_as_with_its_whole_history(whole_history, short_memory):
    """Three runs of the benchmark's conversation in one: answers, a follow-up that needs the
    context, triage, the callback form (stored), a crisis; then again, with its slots set."""
    whole, windowed = f"web-{uuid.uuid4().hex}", f"web-{uuid.uuid4().hex}"
    for run in range(3):
        for number, turn in enumerate(ours(run)):
            expected, reply = whole_history.say(whole, turn.message), short_memory.say(windowed, turn.message)
            where = f"run {run + 1}, turn {number + 1}: {turn.message!r}"
            assert names(reply) == names(expected), where
            assert every_turn_of_ours(reply) is None, where
            # The script's own checks hold on its first run; later runs remember what was said
            # (the triage doesn't ask again who the help is for), on both servers alike.
            assert run > 0 or turn.check is None or turn.check(reply) is None, where
    with engine(whole_history.database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM tracker_checkpoints")).scalar_one() == 0
    # Rebuilt from a bounded number of events, whatever the length.
    assert events_after_checkpoint(short_memory, windowed) <= CHECKPOINT_AFTER + 10
    with engine(short_memory.database_url).connect() as connection:
        stored = connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": windowed}).scalar_one()
    assert stored > 10 * CHECKPOINT_AFTER, "and every event is still stored"
    assert stored_requests(short_memory, windowed) == stored_requests(whole_history, whole) != []


def stored_requests(server, sender):
    with engine(server.database_url).connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.text("SELECT name, phone, best_time, status FROM callback_requests WHERE conversation_id = :s"), {"s": sender}
        )]


def test_a_handoff_stays_paused_across_checkpoints(short_memory):
    sender = f"web-{uuid.uuid4().hex}"
    handoffs.set_available("maria", True, url=short_memory.database_url)
    try:
        assert "Chat with our admissions team now" in json.dumps(short_memory.say(sender, "can I talk to a person?"))
        assert names(short_memory.say(sender, "/live_chat")) == ["utter_live_chat_waiting"]
    finally:
        handoffs.set_available("maria", False, url=short_memory.database_url)
    handoff = handoffs.open_handoff(sender, url=short_memory.database_url)
    for number in range(12):
        assert short_memory.say(sender, f"are you there? this is message {number}") == [], number
    assert events_after_checkpoint(short_memory, sender) <= CHECKPOINT_AFTER + 10
    assert staff(short_memory, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 200
    for number in range(4):
        assert staff(short_memory, "send", handoff=handoff.id, staff_user="maria", text=f"reply {number}")[0] == 200
        assert short_memory.say(sender, "ok thanks") == []
    assert staff(short_memory, "hand_back", handoff=handoff.id, staff_user="maria")[0] == 200
    path = f"/webhooks/rest/conversations/{sender}/handoff"
    assert call(short_memory, "GET", path, token=short_memory.token_for(sender))[1]["state"] == "none"
    assert "five days a week" in json.dumps(short_memory.say(sender, "what is an intensive outpatient program?"))
