"""Live chat in the staff app (docs/handoff.md), against the real staff app and database: being
available (and that availability running out when no staff page is open), the chat name
visitors see, waiting chats at the top of the live queue, the chat page as its owner and as a
colleague, sending refused with the reason and the text kept, a crisis message flagged, an
ended chat, the alert, and what the audit log keeps (never what was written).

The handoffs here are opened in storage, as the assistant opens them (storage.handoffs), in
conversations held with the real assistant; taking over and sending through the Rasa server
are tested end to end in test_live_chat_e2e.py. The staff app's own app here points at a
Rasa server that is not there, so that "can't be reached" is real.
"""
from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest

from answer_words.questions import UNPLACED_INTENT
from staff_review import exports, sync, transcript
from storage import handoffs
from tests.servers import free_port
from tests.staff.conftest import PASSWORDS, XSS, sqlite_file, start_staff_app
from tests.staff.test_callback_queue import flashes

CRISIS_FLAG = "Crisis message — the assistant sent the crisis reply"


@pytest.fixture(scope="module")
def app(assistant, staff_app, tmp_path_factory):
    """A staff app whose Rasa server can't be reached (nothing listens on its port)."""
    started, process = start_staff_app(assistant.database_url, tmp_path_factory.mktemp("live") / "staff.log",
                                       {"ASSISTANT_URL": f"http://127.0.0.1:{free_port()}"})
    yield started
    process.terminate()
    process.wait(timeout=20)


def login(app, role: str):
    client = app.client()
    response = client.login(role, PASSWORDS[role])
    assert response.status_code == 200 and "Log out" in response.text
    return client


def open_handoff(assistant, messages=("what is IOP?", "how many days a week is that?")):
    """A conversation with the assistant, then a request for a person (as actions/person.py makes it)."""
    sender = f"live-{uuid.uuid4().hex[:10]}"
    for message in messages:
        assistant.say(sender, message)
    return handoffs.request(sender, "rest", url=assistant.database_url)


def execute(assistant, sql: str, *args):
    with sqlite3.connect(sqlite_file(assistant.database_url)) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def audit_rows(assistant, conversation_id: str):
    return execute(assistant, "SELECT * FROM staff_audit_log WHERE conversation_id = ? ORDER BY id", conversation_id)


def entry(page: str, handoff_id: int) -> str:
    match = re.search(rf'<article class="handoff[^"]*" id="lc{handoff_id}".*?</article>', page, re.S)
    assert match, f"live chat {handoff_id} is not in the queue"
    return match.group(0)


# Presence ------------------------------------------------------------------------------------

def test_being_available_shows_to_colleagues_and_runs_out_when_no_page_is_open(app, assistant):
    url = assistant.database_url
    execute(assistant, "DELETE FROM staff_presence")
    admin, reviewer = login(app, "admin"), login(app, "reviewer")
    page = admin.get("/callbacks").text
    assert "You are not available for live chat" in page and ">Available for live chat</button>" in page
    assert not handoffs.someone_available(url)

    page = admin.form("/presence", {"available": "1"}).text
    assert "You are available for live chat: keep this page open." in flashes(page)
    assert "You are available for live chat" in page and ">Stop live chat</button>" in page
    assert handoffs.is_available("admin", url) and handoffs.someone_available(url)
    assert re.search(r'data-presence="colleagues">1</span> colleague', reviewer.get("/callbacks").text)
    assert admin.get("/callbacks/live").json()["presence"] == {"available": True, "colleagues": 0}

    # No staff page polled for longer than PRESENCE_SECONDS (a closed laptop): nobody is offered.
    stale = (datetime.now(timezone.utc) - timedelta(seconds=handoffs.PRESENCE_SECONDS + 5)).strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(assistant, "UPDATE staff_presence SET seen_at = ?", stale)
    assert not handoffs.someone_available(url) and not handoffs.is_available("admin", url)
    assert reviewer.get("/callbacks/live").json()["presence"] == {"available": False, "colleagues": 0}
    # The open queue's poll keeps it fresh again.
    assert admin.get("/callbacks/live").json()["presence"]["available"] is True
    assert handoffs.someone_available(url)

    # A CSRF-less post changes nothing; "Stop live chat" and logging out both end it.
    assert admin.post("/presence", data={"available": "0"}).status_code == 400
    assert handoffs.is_available("admin", url)
    admin.form("/presence", {"available": "0"})
    assert not handoffs.is_available("admin", url)
    admin.form("/presence", {"available": "1"})
    admin.form("/logout", {})
    assert not handoffs.is_available("admin", url)
    actions = [row["detail"] for row in execute(assistant, "SELECT detail FROM staff_audit_log WHERE action = 'live_chat_presence'")]
    assert "available" in actions and "not available" in actions


# Chat name -----------------------------------------------------------------------------------

def test_staff_set_the_name_visitors_see(app, assistant):
    reviewer = login(app, "reviewer")
    execute(assistant, "UPDATE staff_users SET chat_name = NULL WHERE username = 'reviewer'")
    page = reviewer.get("/account/chat-name").text
    assert "“<b>Reviewer</b> from our admissions team has joined the chat”" in page, "the username, capitalised, by default"
    assert ">Reviewer</a>" in reviewer.get("/callbacks").text

    page = reviewer.form("/account/chat-name", {"chat_name": "  Anne-Marie  "}).text
    assert "Visitors will see “Anne-Marie from our admissions team has joined the chat”." in flashes(page)
    assert execute(assistant, "SELECT chat_name FROM staff_users WHERE username = 'reviewer'")[0][0] == "Anne-Marie"
    for bad, why in [("Maria" + XSS, "letters, spaces, hyphens and apostrophes only"), ("M4ria", "letters"),
                     ("A" * 41, "at most 40 characters"), ("Maria\u202eairaM", "letters")]:
        response = reviewer.form("/account/chat-name", {"chat_name": bad})
        assert response.status_code == 400 and why in unescape(response.text), bad
        assert "<script>alert(1)" not in response.text
    assert execute(assistant, "SELECT chat_name FROM staff_users WHERE username = 'reviewer'")[0][0] == "Anne-Marie"
    reviewer.form("/account/chat-name", {"chat_name": "D'Arcy"})
    assert execute(assistant, "SELECT chat_name FROM staff_users WHERE username = 'reviewer'")[0][0] == "D'Arcy"

    # An admin can set it on the users page; empty is back to the default.
    admin = login(app, "admin")
    admin.get("/admin/users")
    assert "Updated reviewer." in flashes(admin.form("/admin/users/reviewer", {"change": "chat_name", "chat_name": "Maria"}).text)
    assert execute(assistant, "SELECT chat_name FROM staff_users WHERE username = 'reviewer'")[0][0] == "Maria"
    assert "letters" in " ".join(flashes(admin.form("/admin/users/reviewer", {"change": "chat_name", "chat_name": "<b>"}).text))
    admin.form("/admin/users/admin", {"change": "chat_name", "chat_name": ""})
    assert execute(assistant, "SELECT chat_name FROM staff_users WHERE username = 'admin'")[0][0] is None


# The queue ------------------------------------------------------------------------------------

def test_a_waiting_chat_is_at_the_top_of_the_queue_with_the_conversation_so_far(app, assistant):
    handoff = open_handoff(assistant, ("what is IOP?", XSS))
    reviewer = login(app, "reviewer")
    page = reviewer.get("/callbacks").text
    found = entry(page, handoff.id)
    assert page.index(f'id="lc{handoff.id}"') < page.index('id="queue"'), "above the callback requests"
    assert ">Take over</button>" in found and "Website" in found and "Waiting for live chat" in found
    assert re.search(r"for \d+ (s|min)", found)
    # The transcript so far, the visitor's text escaped.
    assert "Visitor:" in found and "&lt;script&gt;alert(1)&lt;/script&gt;" in found and XSS not in found
    assert "Assistant:" in found

    # The live feed sends it with its HTML once, then only its version while nothing changes.
    feed = reviewer.get("/callbacks/live").json()
    [mine] = [chat for chat in feed["chats"] if chat["id"] == handoff.id]
    assert "Take over" in mine["html"]
    again = reviewer.get("/callbacks/live", params={"chats": f"{handoff.id}:{mine['version']}"}).json()
    [same] = [chat for chat in again["chats"] if chat["id"] == handoff.id]
    assert "html" not in same or same["version"] != mine["version"]

    # Taken: it shows who has it, and no Take over button.
    handoffs.take(handoff.id, "admin", "Admin", url=assistant.database_url)
    found = entry(reviewer.get("/callbacks").text, handoff.id)
    assert "admin has it" in found and "Take over" not in found
    handoffs.end(handoff.id, handoffs.HANDED_BACK, url=assistant.database_url)
    assert f'id="lc{handoff.id}"' not in reviewer.get("/callbacks").text
    assert handoff.id not in [chat["id"] for chat in reviewer.get("/callbacks/live").json()["chats"]]


def test_taking_over_when_the_assistant_cant_be_reached_says_so_and_changes_nothing(app, assistant):
    handoff = open_handoff(assistant)
    reviewer = login(app, "reviewer")
    reviewer.get("/callbacks")
    page = reviewer.form(f"/handoffs/{handoff.id}/take", {}).text
    assert "The assistant can't be reached right now, so nothing was done. Try again in a moment." in flashes(page)
    assert handoffs.get(handoff.id, url=assistant.database_url).state == handoffs.WAITING
    assert not [row for row in audit_rows(assistant, handoff.conversation_id) if row["action"] == "handoff_take"]
    handoffs.end(handoff.id, handoffs.NOBODY_CAME, url=assistant.database_url)
    page = reviewer.form(f"/handoffs/{handoff.id}/take", {}).text
    assert "Not taken: nobody took it in time, so the assistant offered a callback." in flashes(page)


# The chat page -------------------------------------------------------------------------------

def test_the_chat_page_is_read_only_for_a_colleague_and_flags_a_crisis(app, assistant):
    url = assistant.database_url
    handoff = open_handoff(assistant)
    handoffs.take(handoff.id, "admin", "Maria", url=url)
    handoff = handoffs.get(handoff.id, url=url)
    joined = handoffs.add_message(handoff, handoffs.ASSISTANT, {"text": "Maria from admissions has joined.",
                                                               "response": "utter_staff_joined", "staff_name": "Maria"}, url=url)
    handoffs.add_message(handoff, handoffs.VISITOR, {"text": "hi Maria " + XSS}, url=url)

    reviewer, admin = login(app, "reviewer"), login(app, "admin")
    page = reviewer.get(f"/handoffs/{handoff.id}").text
    assert "admin has this chat (you can read it, not write in it)." in page
    assert 'id="composer"' not in page and "Hand back to the assistant" not in page and "Take over" not in page
    assert "hi Maria &lt;script&gt;" in page and XSS not in page
    assert "what is IOP?" in page, "the conversation before the request"
    # Refused by the staff app itself (and the Rasa server would refuse too), the text kept.
    refused = reviewer.form(f"/handoffs/{handoff.id}/send", {"text": "let me help"})
    assert refused.status_code == 409 and "This chat is admin&#39;s: only they can write in it or hand it back." in refused.text
    assert "Hand back to the assistant" not in refused.text
    assert "This chat is admin's" in " ".join(flashes(reviewer.form(f"/handoffs/{handoff.id}/hand-back", {}).text))
    assert handoffs.get(handoff.id, url=url).state == handoffs.LIVE

    page = admin.get(f"/handoffs/{handoff.id}").text
    assert "You have this chat" in page and 'id="composer"' in page and ">Hand back to the assistant</button>" in page
    assert "<script src=\"/static/handoff.js\" defer></script>" in page

    # A crisis message: flagged, on the page and in the poll.
    crisis = handoffs.add_message(handoff, handoffs.VISITOR, {"text": "i want to end it all"}, crisis=True, url=url)
    polled = admin.get(f"/handoffs/{handoff.id}/live", params={"after": joined}).json()
    assert [(m["author"], m["text"], m["crisis"]) for m in polled["messages"]] == [
        ("visitor", "hi Maria " + XSS, False), ("visitor", "i want to end it all", True)]
    assert polled["last"] == crisis and polled["mine"] and polled["state"] == "live"
    assert reviewer.get(f"/handoffs/{handoff.id}/live", params={"after": crisis}).json()["messages"] == []
    assert CRISIS_FLAG in reviewer.get(f"/handoffs/{handoff.id}").text
    staff = handoffs.add_message(handoff, handoffs.STAFF, {"text": "I'm here with you", "staff_name": "Maria"}, url=url)
    [said] = admin.get(f"/handoffs/{handoff.id}/live", params={"after": crisis}).json()["messages"]
    assert (said["id"], said["who"], said["author"]) == (staff, "Maria (admissions team)", "staff")

    # Ended: the page says so, and the composer is gone.
    handoffs.end(handoff.id, handoffs.HANDED_BACK, url=url)
    page = admin.get(f"/handoffs/{handoff.id}").text
    assert "This chat has ended: it was handed back to the assistant." in page and 'id="composer"' not in page
    assert admin.get(f"/handoffs/{handoff.id}/live").json()["ended"] is True
    refused = admin.form(f"/handoffs/{handoff.id}/send", {"text": "still there?"})
    assert refused.status_code == 409 and "This chat has ended" in refused.text
    assert reviewer.get("/handoffs/999999").status_code == 404


def test_sending_nothing_or_too_much_is_refused_with_the_reason_and_the_text_kept(app, assistant):
    url = assistant.database_url
    handoff = open_handoff(assistant, ("hello",))
    handoffs.take(handoff.id, "admin", "Admin", url=url)
    admin = login(app, "admin")
    admin.get(f"/handoffs/{handoff.id}")

    empty = admin.form(f"/handoffs/{handoff.id}/send", {"text": "   \n "})
    assert empty.status_code == 400 and "Type a message first: nothing was sent." in empty.text
    long_text = "word " * 801  # 4,004 characters
    refused = admin.form(f"/handoffs/{handoff.id}/send", {"text": long_text})
    assert refused.status_code == 400
    assert "Not sent: the message is 4,004 characters, and the most is 4,000." in refused.text
    assert long_text in unescape(refused.text), "the text is still in the box"
    # The page's script asks for JSON: the same reasons.
    answer = admin.post(f"/handoffs/{handoff.id}/send", data={"text": long_text, "csrf_token": admin.csrf},
                        headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.json() == {"ok": False, "error": refused_reason(refused.text)}
    # Within the limit but the assistant can't be reached: not sent, said so, kept.
    unreachable = admin.form(f"/handoffs/{handoff.id}/send", {"text": "Hi, I'm here"})
    assert unreachable.status_code == 503 and "Not sent: the assistant can't be reached right now." in unescape(unreachable.text)
    assert "Hi, I&#39;m here</textarea>" in unreachable.text
    assert handoffs.messages(handoff_id=handoff.id, url=url) == []
    assert not [row for row in audit_rows(assistant, handoff.conversation_id) if row["action"] == "handoff_send"]
    handoffs.end(handoff.id, handoffs.HANDED_BACK, url=url)


def refused_reason(page: str) -> str:
    return unescape(re.search(r'<p class="error" data-error role="alert">([^<]*)</p>', page).group(1))


# Records -------------------------------------------------------------------------------------

class Row:
    """An `events` row as transcript.build and sync.summarise read it."""

    def __init__(self, id, type_name, timestamp, data, action_name=None):
        import json

        self.id, self.type_name, self.timestamp, self.action_name = id, type_name, timestamp, action_name
        self.sender_id, self.data = "c", json.dumps(data)


def handoff_events():
    low = {"intent": {"name": "nlu_fallback", "confidence": 0.2}}
    return [
        Row(1, "user", 1.0, {"text": "can I talk to a real person?", "parse_data": {"intent": {"name": "human", "confidence": 0.95}}}),
        Row(2, "pause", 2.0, {}),
        Row(3, "bot", 3.0, {"text": "Maria from admissions has joined.",  # the assistant's line, naming her
                            "metadata": {"utter_action": "utter_staff_joined", "staff_user": "maria", "staff_name": "Maria"}}),
        Row(4, "user", 4.0, {"text": "thanks, is my son eligible?", "parse_data": low}),
        Row(5, "bot", 5.0, {"text": "Hi, I'm Maria. Tell me about him?", "metadata": {"staff_user": "maria", "staff_name": "Maria"}}),
        Row(6, "resume", 6.0, {}),
        Row(7, "user", 7.0, {"text": "blorp", "parse_data": low}),
    ]


def test_staff_turns_are_named_as_a_person_in_transcripts_and_exports():
    read = transcript.build("c", handoff_events())
    kinds = [(item.kind, item.detail, item.to_staff) for item in read.items]
    assert kinds == [("user", "", False), ("handoff", "started", False), ("bot", "", False), ("user", "", True),
                     ("staff", "", False), ("handoff", "ended", False), ("user", "", False)]
    staff = read.items[4]
    assert staff.speaker == "Maria (admissions team)" and staff.text == "Hi, I'm Maria. Tell me about him?"
    rows = exports.rows(read)
    assert [row["speaker"] for row in rows] == ["user", "bot", "user", "Maria (admissions team)", "user"]
    assert rows[3]["text"] == "Hi, I'm Maria. Tell me about him?" and rows[3]["intent"] is None
    # The visitor's words to a person are not the NLU's failures; the one after the hand back is.
    summary = sync.summarise("c", handoff_events())
    assert summary.turns == 3 and summary.low_confidence == 1 and summary.fallback
    assert not sync.summarise("c", handoff_events()[:6]).fallback


def test_a_question_the_nlu_could_not_place_counts_as_a_fallback_for_staff():
    # Answered honestly (intent_classifier/unplaced_questions.py), but still a message the NLU gave up on.
    unplaced = {"intent": {"name": UNPLACED_INTENT, "confidence": 0.3}}
    rows = [Row(1, "user", 1.0, {"text": "ok what about payment plans", "parse_data": unplaced})]
    summary = sync.summarise("c", rows)
    assert summary.fallback and summary.low_confidence == 1


# The alert -----------------------------------------------------------------------------------

def run_worker(assistant, settings):
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    env = {key: value for key, value in os.environ.items() if not key.startswith(("ALERT_", "STAFF_PUBLIC_URL"))}
    result = subprocess.run([sys.executable, "-m", "staff_review.alerts", "--once"], cwd=ROOT, capture_output=True, text=True,
                            env={**env, "PYTHONPATH": str(ROOT), "DATABASE_URL": assistant.database_url, **settings}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_someone_waiting_for_live_chat_is_announced_without_anything_private(app, assistant):
    from tests.local_receivers import Receiver

    receiver = Receiver()
    settings = {"ALERT_WEBHOOK_URL": receiver.url, "STAFF_PUBLIC_URL": app.url, "ALERT_RETRY_SECONDS": "0"}
    try:
        run_worker(assistant, settings)  # a first start sets the watermarks; earlier alerts may go out
        handoff = open_handoff(assistant, ("my name is Jordan Whitfield, call 619-555-0147",))
        output = run_worker(assistant, settings)
        [hook] = receiver.about("live chat")
        assert re.fullmatch(rf"Someone is waiting for a live chat with admissions — open {re.escape(app.url)}/alerts/\d+",
                            hook["text"]), hook["text"]
        for said in (hook["text"], output):
            # The number is looked for in any spelling, outside links (a port such as :55517 is not a leak).
            assert "Jordan" not in said and "Whitfield" not in said and handoff.conversation_id not in said
            assert "6195550147" not in re.sub(r"\D", "", re.sub(r"https?://\S+", "", said))
        run_worker(assistant, settings)
        assert len(receiver.about("live chat")) == 1, "sent once"

        # The link opens the waiting chat, after login, and is audited.
        alert_id = int(hook["text"].rsplit("/", 1)[1])
        reviewer = login(app, "reviewer")
        response = reviewer.get(f"/alerts/{alert_id}")
        assert response.url == f"{app.url}/handoffs/{handoff.id}" and ">Take over</button>" in response.text
        assert [row["detail"] for row in audit_rows(assistant, handoff.conversation_id) if row["action"] == "follow_alert"] == [
            f"handoff alert {alert_id}"]

        # One taken before its alert could go out is not announced: nobody is waiting any more.
        late = open_handoff(assistant, ("hello",))
        run_worker(assistant, {**settings, "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/down"})  # queued, failed
        [row] = execute(assistant, "SELECT * FROM alert_outbox WHERE kind = 'handoff' AND conversation_id = ?", late.conversation_id)
        assert row["sent_at"] is None and row["attempts"] == 1
        handoffs.take(late.id, "admin", "Admin", url=assistant.database_url)
        run_worker(assistant, settings)
        [row] = execute(assistant, "SELECT * FROM alert_outbox WHERE kind = 'handoff' AND conversation_id = ?", late.conversation_id)
        assert row["sent_at"] is None and row["last_error"] == "gave up: no longer waiting"
        assert len(receiver.about("live chat")) == 1
    finally:
        receiver.server.shutdown()
        for found in handoffs.open_handoffs(url=assistant.database_url):
            if found.conversation_id.startswith("live-"):
                handoffs.end(found.id, handoffs.HANDED_BACK, url=assistant.database_url)
