"""A live handoff on the Rasa server's side (docs/handoff.md), through its HTTP endpoints only:
the offer, the pause, staff turns, the crisis net during a handoff, hand back, and nobody coming.

The staff app's screens, the widget and the Telegram bridge have their own tests
(tests/staff/, tests/browser/, tests/telegram/); here the staff app's calls are made directly,
with the staff secret, as it makes them.
"""
import contextlib
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from channels import ownership
from storage import engine, handoffs
from tests.clinics import open_around_the_clock
from tests.e2e.turns import DISCLAIMER, buttons, check_turn, is_crisis_reply
from tests.servers import Assistant

WAIT_SECONDS = 10  # HANDOFF_WAIT_SECONDS for this server: the shortest it takes


@pytest.fixture(scope="module")
def open_clinic(tmp_path_factory):
    """The assistant of a clinic whose team is in around the clock."""
    workdir = tmp_path_factory.mktemp("open-clinic")
    clinic = open_around_the_clock(workdir, name="Harbor Light Recovery", phone="(555) 010-0199",
                                   phone_e164="+15550100199")
    env = {"IOP_CLINIC_FILE": str(clinic), "HANDOFF_WAIT_SECONDS": str(WAIT_SECONDS)}
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}", env=env).start()
    yield server
    server.stop()


@pytest.fixture
def staff_in(open_clinic):
    handoffs.set_available("maria", True, url=open_clinic.database_url)
    yield
    handoffs.set_available("maria", False, url=open_clinic.database_url)


@pytest.fixture
def visitor():
    return f"web-{uuid.uuid4().hex}"


def call(assistant, method, path, body=None, token=None):
    """(status, JSON) of a request to the Rasa server."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{assistant.rasa_port}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def staff(assistant, step, **body):
    return call(assistant, "POST", f"/webhooks/rest/handoff/{step}", body,
                ownership.staff_secret(assistant.secret.encode()))


def poll(assistant, sender, after=0):
    status, reply = call(assistant, "GET", f"/webhooks/rest/conversations/{sender}/handoff?after={after}",
                         token=assistant.token_for(sender))
    assert status == 200, reply
    return reply


def responses(reply):
    return [message.get("response") for message in reply]


def ask_for_live_chat(assistant, sender):
    offer = assistant.say(sender, "can I talk to a real person?")
    assert "Chat with our admissions team now" in [button["title"] for button in buttons(offer)]
    reply = assistant.say(sender, "/live_chat")
    assert responses(reply) == ["utter_live_chat_waiting"], reply
    assert reply[0]["custom"] == {"handoff": "waiting"}
    check_turn(reply)
    return handoffs.open_handoff(sender, url=assistant.database_url)


@contextlib.contextmanager
def refusing(assistant, condition):
    """The database refuses to store the events matching `condition` (SQL on NEW) meanwhile."""
    with engine(assistant.database_url).begin() as connection:
        connection.execute(sa.text(f"CREATE TRIGGER refuse_events BEFORE INSERT ON events WHEN {condition} "
                                   "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
    try:
        yield
    finally:
        with engine(assistant.database_url).begin() as connection:
            connection.execute(sa.text("DROP TRIGGER refuse_events"))


def stored_events(assistant, sender):
    with engine(assistant.database_url).connect() as connection:
        rows = connection.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                                  {"s": sender}).all()
    return [(row.type_name, json.loads(row.data)) for row in rows]


def test_no_one_available_means_no_live_chat_but_the_phone_and_a_callback(open_clinic, visitor):
    reply = open_clinic.say(visitor, "can I talk to a real person?")
    assert responses(reply) == ["utter_human_team_in", "utter_offer_callback"]
    assert "Chat with our admissions team now" not in [button["title"] for button in buttons(reply)]
    # Pressed anyway (an old button): told why not, and offered the callback.
    reply = open_clinic.say(visitor, "/live_chat")
    assert responses(reply) == ["utter_live_chat_unavailable", "utter_offer_callback"]
    assert "(555) 010-0199" in check_turn(reply)
    assert handoffs.open_handoff(visitor, url=open_clinic.database_url) is None


def test_a_person_takes_the_chat_talks_and_hands_it_back(open_clinic, staff_in, visitor):
    handoff = ask_for_live_chat(open_clinic, visitor)
    assert handoff.state == "waiting"
    assert poll(open_clinic, visitor) == {"state": "waiting", "staff_name": None, "messages": [], "last": 0}

    # While waiting, the assistant is quiet: the message is stored and shown to staff.
    assert open_clinic.say(visitor, "hello? is anyone there") == []
    seen = handoffs.messages(handoff_id=handoff.id, url=open_clinic.database_url)
    assert [(row.author, row.bubble["text"], row.crisis) for row in seen] == [("visitor", "hello? is anyone there", False)]

    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria") == (200, {"ok": True})
    status, refused = staff(open_clinic, "take", handoff=handoff.id, staff_user="sam", staff_name="Sam")
    assert (status, refused["code"]) == (409, "taken"), "two staff can't take the same chat"

    state = poll(open_clinic, visitor)
    assert (state["state"], state["staff_name"]) == ("live", "Maria")
    [joined] = state["messages"]
    assert joined["response"] == "utter_staff_joined" and joined["author"] == "assistant"
    assert joined["text"].startswith("Maria from our admissions team has joined")
    assert joined["text"].endswith(DISCLAIMER) and joined["disclaimer"] == DISCLAIMER, "the disclaimer, once, on joining"

    assert staff(open_clinic, "send", handoff=handoff.id, staff_user="sam", text="hi")[0] == 409, "not Sam's chat"
    assert staff(open_clinic, "send", handoff=handoff.id, staff_user="maria", text=" \u200b ")[1]["code"] == "empty"
    too_long = staff(open_clinic, "send", handoff=handoff.id, staff_user="maria", text="x" * 4001)
    assert too_long[1]["code"] == "too_long"
    status, sent = staff(open_clinic, "send", handoff=handoff.id, staff_user="maria", text="Hi, I'm Maria. How can I help?")
    assert status == 200
    state = poll(open_clinic, visitor, after=state["last"])
    assert [(m["author"], m["text"], m["staff_name"]) for m in state["messages"]] == [
        ("staff", "Hi, I'm Maria. How can I help?", "Maria")]
    assert "disclaimer" not in state["messages"][0], "a person's messages carry no disclaimer"
    assert state["last"] == sent["id"]

    assert open_clinic.say(visitor, "my son needs help with his drinking") == []
    # A crisis gets the crisis reply at once, from the assistant, and is flagged for staff.
    crisis = open_clinic.say(visitor, "honestly I just want to end my life")
    assert is_crisis_reply(crisis) and responses(crisis)[0] == "utter_crisis"
    check_turn(crisis)
    latest = handoffs.messages(handoff_id=handoff.id, authors=["visitor"], url=open_clinic.database_url)[-1]
    assert latest.crisis and latest.bubble["text"] == "honestly I just want to end my life"
    assert poll(open_clinic, visitor, after=state["last"])["messages"] == [], "the crisis reply isn't sent twice"

    assert staff(open_clinic, "hand_back", handoff=handoff.id, staff_user="sam")[0] == 409
    assert staff(open_clinic, "hand_back", handoff=handoff.id, staff_user="maria") == (200, {"ok": True})
    state = poll(open_clinic, visitor, after=state["last"])
    assert state["state"] == "none"
    assert [m["response"] for m in state["messages"]] == ["utter_handed_back"]
    assert state["messages"][-1]["text"].endswith(DISCLAIMER)

    # The assistant answers again.
    reply = open_clinic.say(visitor, "what is an intensive outpatient program?")
    assert "intensive outpatient" in check_turn(reply).lower() and reply[0]["response"] != "utter_ask_rephrase"

    # The conversation's record: paused, the staff member's turns marked with who said them, resumed.
    events = stored_events(open_clinic, visitor)
    kinds = [kind for kind, _ in events]
    assert "pause" in kinds and "resume" in kinds and kinds.index("pause") < kinds.index("resume")
    staff_turns = [data for kind, data in events if kind == "bot" and (data.get("metadata") or {}).get("staff_user")]
    assert [turn["text"] for turn in staff_turns][-1] == "Hi, I'm Maria. How can I help?"
    assert all(turn["metadata"]["staff_user"] == "maria" for turn in staff_turns)
    said = [data["text"] for kind, data in events if kind == "user"]
    assert "hello? is anyone there" in said and "my son needs help with his drinking" in said


def test_nobody_takes_the_chat_so_the_visitor_is_told_and_offered_a_callback(open_clinic, staff_in, visitor):
    handoff = ask_for_live_chat(open_clinic, visitor)
    deadline = time.monotonic() + WAIT_SECONDS + 30
    state = poll(open_clinic, visitor)
    while state["state"] != "none" and time.monotonic() < deadline:
        time.sleep(1)
        state = poll(open_clinic, visitor)
    assert state["state"] == "none"
    assert [m["response"] for m in state["messages"]] == ["utter_live_chat_nobody", "utter_offer_callback"]
    assert "(555) 010-0199" in state["messages"][0]["text"] and "988" in state["messages"][0]["text"]
    assert handoffs.get(handoff.id, url=open_clinic.database_url).end_reason == "nobody_came"
    # Too late to take it now.
    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 409
    # "Yes" to the offer starts the callback request.
    assert "utter_ask_callback_name" in responses(open_clinic.say(visitor, "yes please"))


def test_a_spanish_crisis_during_a_handoff_gets_the_spanish_crisis_reply(open_clinic, staff_in, visitor):
    ask_for_live_chat(open_clinic, visitor)
    reply = open_clinic.say(visitor, "ya no quiero vivir, quiero morirme")
    assert is_crisis_reply(reply) and reply[0]["response"] == "utter_crisis_es"


def test_only_the_owner_polls_only_staff_act_only_the_bridge_reads_telegram(open_clinic, staff_in, visitor):
    handoff = ask_for_live_chat(open_clinic, visitor)
    other = f"web-{uuid.uuid4().hex}"
    path = f"/webhooks/rest/conversations/{visitor}/handoff"
    assert call(open_clinic, "GET", path, token=open_clinic.token_for(other))[0] == 403
    assert call(open_clinic, "GET", path)[0] == 403
    assert call(open_clinic, "GET", path + "?after=-1", token=open_clinic.token_for(visitor))[0] == 400
    assert call(open_clinic, "GET", path + "?after=1e9", token=open_clinic.token_for(visitor))[0] == 400
    # A visitor's own token is not the staff secret.
    status, reply = call(open_clinic, "POST", "/webhooks/rest/handoff/take",
                         {"handoff": handoff.id, "staff_user": "x", "staff_name": "X"}, open_clinic.token_for(visitor))
    assert (status, reply["code"]) == (403, "staff_only")
    assert handoffs.get(handoff.id, url=open_clinic.database_url).state == "waiting"
    for body in ({"handoff": "1", "staff_user": "maria", "staff_name": "Maria"},
                 {"handoff": handoff.id, "staff_user": "", "staff_name": "Maria"},
                 {"handoff": handoff.id, "staff_user": "maria", "staff_name": "M" * 41},
                 {"handoff": handoff.id, "staff_user": "maria", "staff_name": "<img src=x onerror=alert(1)>"}):
        assert staff(open_clinic, "take", **body)[0] == 400
    assert staff(open_clinic, "take", handoff=10**9, staff_user="maria", staff_name="Maria")[0] == 404
    # The bridge's poll wants the bridge secret; without a cursor it starts from now.
    assert call(open_clinic, "GET", "/webhooks/telegram/handoff", token=open_clinic.token_for(visitor))[0] == 403
    status, start = call(open_clinic, "GET", "/webhooks/telegram/handoff", token=open_clinic.bridge_secret)
    assert status == 200 and start["messages"] == [] and start["last"] >= 0
    status, later = call(open_clinic, "GET", f"/webhooks/telegram/handoff?after={start['last']}",
                         token=open_clinic.bridge_secret)
    assert status == 200 and all(message["sender"].startswith("tg-") for message in later["messages"])


def test_a_visitor_who_starts_over_ends_the_handoff(open_clinic, staff_in, visitor):
    handoff = ask_for_live_chat(open_clinic, visitor)
    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 200
    path = f"/webhooks/rest/conversations/{visitor}/handoff/end"
    other = f"web-{uuid.uuid4().hex}"
    assert call(open_clinic, "POST", path, {}, open_clinic.token_for(other))[0] == 403, "only the visitor ends it"
    assert handoffs.get(handoff.id, url=open_clinic.database_url).state == "live"
    assert call(open_clinic, "POST", path, {}, open_clinic.token_for(visitor)) == (200, {"state": "none"})
    assert handoffs.get(handoff.id, url=open_clinic.database_url).end_reason == "visitor_left"
    assert staff(open_clinic, "send", handoff=handoff.id, staff_user="maria", text="still there?")[1]["code"] == "not_yours"
    assert call(open_clinic, "POST", path, {}, open_clinic.token_for(visitor)) == (200, {"state": "none"}), "twice is fine"
    # The old conversation is the assistant's again.
    assert "five days a week" in check_turn(open_clinic.say(visitor, "what is an intensive outpatient program?"))


def test_the_bridge_ends_a_telegram_handoff_on_reset(open_clinic):
    sender = "tg-" + uuid.uuid4().hex
    handoff = handoffs.request(sender, "telegram", url=open_clinic.database_url)
    assert call(open_clinic, "POST", "/webhooks/telegram/handoff/end", {"sender": sender})[0] == 403
    assert call(open_clinic, "POST", "/webhooks/telegram/handoff/end", {"sender": "web-" + "0" * 32},
                open_clinic.bridge_secret)[0] == 400
    assert call(open_clinic, "POST", "/webhooks/telegram/handoff/end", {"sender": sender},
                open_clinic.bridge_secret) == (200, {"state": "none"})
    assert handoffs.get(handoff.id, url=open_clinic.database_url).end_reason == "visitor_left"


def test_live_chat_only_right_after_the_offer_and_never_beyond_the_queue_limit(open_clinic, staff_in, visitor):
    # Sent without the offer on screen (typed, or replayed by a script): nothing opens.
    assert responses(open_clinic.say(visitor, "/live_chat")) == ["utter_live_chat_unavailable", "utter_offer_callback"]
    assert handoffs.open_handoff(visitor, url=open_clinic.database_url) is None
    # Ten chats already waiting: the eleventh visitor is told no one is free, and offered a callback.
    crowd = [handoffs.request(f"web-{uuid.uuid4().hex}", "rest", url=open_clinic.database_url) for _ in range(10)]
    try:
        open_clinic.say(visitor, "can I talk to a real person?")
        assert responses(open_clinic.say(visitor, "/live_chat")) == ["utter_live_chat_unavailable", "utter_offer_callback"]
    finally:
        for waiting in crowd:
            handoffs.end(waiting.id, "test", url=open_clinic.database_url)


def test_restart_during_a_handoff_goes_to_the_person_and_keeps_the_pause(open_clinic, staff_in, visitor):
    handoff = ask_for_live_chat(open_clinic, visitor)
    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 200
    assert open_clinic.say(visitor, "/restart") == [], "read as words, for the person"
    assert open_clinic.say(visitor, "what is an intensive outpatient program?") == [], "the assistant stays quiet"
    rows = handoffs.messages(handoff_id=handoff.id, authors=["visitor"], url=open_clinic.database_url)
    assert [row.bubble["text"] for row in rows] == ["restart", "what is an intensive outpatient program?"]
    assert handoffs.get(handoff.id, url=open_clinic.database_url).state == "live"


def test_a_new_session_during_a_handoff_keeps_the_pause(open_clinic, staff_in, visitor):
    """The visitor is quiet for longer than a session lasts (60 minutes): the person still has the chat."""
    handoff = ask_for_live_chat(open_clinic, visitor)
    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 200
    with engine(open_clinic.database_url).begin() as connection:
        connection.execute(sa.text(
            "UPDATE events SET timestamp = timestamp - 7200, "
            "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - 7200) WHERE sender_id = :s"
        ), {"s": visitor})
    assert open_clinic.say(visitor, "sorry, I had to step away. are you still there?") == []
    assert "session_started" in [kind for kind, _ in stored_events(open_clinic, visitor)], "a new session did begin"
    assert handoffs.get(handoff.id, url=open_clinic.database_url).state == "live"
    assert staff(open_clinic, "hand_back", handoff=handoff.id, staff_user="maria") == (200, {"ok": True})


def test_a_resume_the_database_refused_is_repaired_and_a_crisis_is_answered_meanwhile(open_clinic, staff_in, visitor):
    """The hand back's ConversationResumed can't be stored (Rasa's fail-safe store only logs that):
    the staff member is told, the assistant never claims to be back, a crisis still gets its
    reply, and the next message once the database takes writes again brings the assistant back."""
    handoff = ask_for_live_chat(open_clinic, visitor)
    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 200
    last = poll(open_clinic, visitor)["last"]
    with refusing(open_clinic, "NEW.type_name = 'resume'"):
        status, reply = staff(open_clinic, "hand_back", handoff=handoff.id, staff_user="maria")
        assert (status, reply["code"]) == (503, "unavailable")
        assert poll(open_clinic, visitor, after=last)["messages"] == [], "no 'you're back with the assistant'"
        crisis = open_clinic.say(visitor, "I'm going to kill myself tonight")
        assert is_crisis_reply(crisis) and check_turn(crisis)
    assert "something went wrong" in check_turn(open_clinic.say(visitor, "hello?")), "repaired, with the apology"
    assert "five days a week" in check_turn(open_clinic.say(visitor, "what is an intensive outpatient program?"))


def test_the_timeout_never_ends_a_chat_someone_has_taken(open_clinic):
    taken = handoffs.request(f"web-{uuid.uuid4().hex}", "rest", url=open_clinic.database_url)
    assert handoffs.take(taken.id, "maria", "Maria", url=open_clinic.database_url)
    assert not handoffs.end(taken.id, handoffs.NOBODY_CAME, only_waiting=True, url=open_clinic.database_url)
    assert handoffs.get(taken.id, url=open_clinic.database_url).state == "live"
    handoffs.end(taken.id, handoffs.HANDED_BACK, url=open_clinic.database_url)


def test_a_staff_message_the_record_would_lack_is_not_sent(open_clinic, staff_in, visitor):
    """The staff member's turn can't be stored in the conversation: it is not delivered either,
    and the staff app is told (so the text stays in the box to send again)."""
    handoff = ask_for_live_chat(open_clinic, visitor)
    assert staff(open_clinic, "take", handoff=handoff.id, staff_user="maria", staff_name="Maria")[0] == 200
    last = poll(open_clinic, visitor)["last"]
    with refusing(open_clinic, "NEW.type_name = 'bot' AND NEW.data LIKE '%staff_user%'"):
        status, reply = staff(open_clinic, "send", handoff=handoff.id, staff_user="maria", text="Are you safe right now?")
        assert (status, reply["code"]) == (503, "unavailable")
    assert poll(open_clinic, visitor, after=last)["messages"] == [], "not delivered"
    assert staff(open_clinic, "send", handoff=handoff.id, staff_user="maria", text="Are you safe right now?")[0] == 200
    assert [m["text"] for m in poll(open_clinic, visitor, after=last)["messages"]] == ["Are you safe right now?"]
    staff(open_clinic, "hand_back", handoff=handoff.id, staff_user="maria")


def test_several_handoffs_at_once_each_with_its_own_staff_member(open_clinic, staff_in):
    first, second = f"web-{uuid.uuid4().hex}", f"web-{uuid.uuid4().hex}"
    one, two = ask_for_live_chat(open_clinic, first), ask_for_live_chat(open_clinic, second)
    assert staff(open_clinic, "take", handoff=one.id, staff_user="maria", staff_name="Maria")[0] == 200
    assert staff(open_clinic, "take", handoff=two.id, staff_user="sam", staff_name="Sam")[0] == 200
    assert staff(open_clinic, "send", handoff=one.id, staff_user="maria", text="Hello from Maria")[0] == 200
    assert staff(open_clinic, "send", handoff=two.id, staff_user="sam", text="Hello from Sam")[0] == 200
    assert staff(open_clinic, "send", handoff=two.id, staff_user="maria", text="wrong chat")[0] == 409
    assert open_clinic.say(first, "hi Maria") == [] and open_clinic.say(second, "hi Sam") == []
    for sender, name in ((first, "Maria"), (second, "Sam")):
        state = poll(open_clinic, sender)
        assert state["staff_name"] == name
        assert [m["text"] for m in state["messages"] if m["author"] == "staff"] == [f"Hello from {name}"]
    assert [row.bubble["text"] for row in handoffs.messages(handoff_id=one.id, authors=["visitor"],
                                                            url=open_clinic.database_url)] == ["hi Maria"]
    for handoff, user in ((one, "maria"), (two, "sam")):
        assert staff(open_clinic, "hand_back", handoff=handoff.id, staff_user=user)[0] == 200
