"""Live handoff end to end, staff side: a real Rasa server and action server (open all hours,
so the assistant offers a live person), the real staff app talking to it, a visitor over the
REST channel polling for the staff member's messages as the widget does (docs/handoff.md).

Two staff press "Take over" at once: one gets the chat, the other is told a colleague has it.
The visitor's messages reach the staff member's page, and the staff member's reach the
visitor; a crisis message gets the crisis reply at once and is flagged for staff; a colleague
can't write in someone else's chat; "Hand back to the assistant" gives the conversation back
to the bot. The transcript and the export name the person, and the audit log has each step
without a word of what was said.
"""
from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import uuid
from html import unescape

import pytest

from channels import ownership
from storage import handoffs
from tests.clinics import open_around_the_clock
from tests.servers import Assistant
from tests.staff.conftest import PASSWORDS, path_of, run_cli, start_staff_app
from tests.staff.test_callback_queue import flashes
from tests.staff.test_live_chat import CRISIS_FLAG, entry, execute

STAFF_TEXT = "Hi, I'm Maria from admissions. How old is your son?"
VISITOR_TEXT = "He is 16 and drinks most weekends"
CRISIS_TEXT = "I want to kill myself"


@pytest.fixture(scope="module")
def open_clinic(tmp_path_factory):
    """The assistant with a clinic open around the clock (UTC) and a long wait before giving up."""
    workdir = tmp_path_factory.mktemp("live-e2e")
    clinic = open_around_the_clock(workdir)
    server = Assistant(workdir, f"sqlite:///{workdir / 'iop.db'}",
                       env={"IOP_CLINIC_FILE": str(clinic), "HANDOFF_WAIT_SECONDS": "600"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def staff(open_clinic, tmp_path_factory):
    for role, password in PASSWORDS.items():
        result = run_cli(open_clinic.database_url, "create", "--role", role, role, "--password-stdin", stdin=password + "\n")
        assert result.returncode == 0 or "already" in result.stderr, result.stderr
    app, process = start_staff_app(
        open_clinic.database_url, tmp_path_factory.mktemp("live-e2e-staff") / "staff.log",
        {"ASSISTANT_URL": f"http://127.0.0.1:{open_clinic.rasa_port}", "CONVERSATION_SECRET": open_clinic.secret},
    )
    yield app
    process.terminate()
    process.wait(timeout=20)


def visitor_poll(assistant, sender: str, after: int = 0):
    url = f"{assistant.conversations_url}/{sender}/handoff?after={after}"
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {assistant.token_for(sender)}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())


def until(check, seconds: float = 5.0, every: float = 0.25):
    """The check's first truthy answer within `seconds` (the pages poll every 2 s)."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(every)


def ask_for_a_person(assistant) -> str:
    sender = f"live-e2e-{uuid.uuid4().hex[:10]}"
    reply = assistant.say(sender, "can I talk to a real person?")
    payloads = [button.get("payload") for message in reply for button in message.get("buttons") or []]
    assert "/live_chat" in payloads, reply
    assistant.say(sender, "/live_chat")
    return sender


def test_two_staff_one_chat_a_visitor_a_crisis_and_the_hand_back(open_clinic, staff):
    url = open_clinic.database_url
    maria, sam = staff.login("reviewer"), staff.login("admin")
    maria.form("/account/chat-name", {"chat_name": "Maria"})
    sam.form("/account/chat-name", {"chat_name": "Sam"})
    for person in (maria, sam):
        person.get("/callbacks")
        person.form("/presence", {"available": "1"})
    assert handoffs.someone_available(url)

    sender = ask_for_a_person(open_clinic)
    handoff = handoffs.open_handoff(sender, url)
    assert handoff and handoff.state == handoffs.WAITING
    # At the top of the queue, at once, with what the visitor said (a conversation seconds old).
    found = entry(maria.get("/callbacks").text, handoff.id)
    assert ">Take over</button>" in found and "can I talk to a real person?" in found and "Website" in found
    assert any(chat["id"] == handoff.id and "html" in chat for chat in sam.get("/callbacks/live").json()["chats"])

    # Both press "Take over" at the same moment: one has it, the other is told plainly.
    pages = {}

    def take(name, client):
        pages[name] = client.form(f"/handoffs/{handoff.id}/take", {})

    threads = [threading.Thread(target=take, args=pair) for pair in (("Maria", maria), ("Sam", sam))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, page in pages.items() if "You have the chat" in " ".join(flashes(page.text))]
    assert len(winners) == 1, {name: flashes(page.text) for name, page in pages.items()}
    name = winners[0]
    owner, other = (maria, sam) if name == "Maria" else (sam, maria)
    owner_user, other_name = ("reviewer", "Sam") if name == "Maria" else ("admin", "Maria")
    assert f"Not taken: {owner_user} already took it." in flashes(pages[other_name].text)
    assert pages[name].url == f"{staff.url}/handoffs/{handoff.id}"
    assert handoffs.get(handoff.id, url).staff_user == owner_user

    # The visitor is told who joined.
    seen = until(lambda: visitor_poll(open_clinic, sender))
    assert seen["state"] == "live" and seen["staff_name"] == name
    assert any(f"{name} from our admissions team has joined" in m["text"] for m in seen["messages"]), seen
    after = seen["last"]

    # The visitor writes: no bot turn, and it reaches the staff member's page.
    assert open_clinic.say(sender, VISITOR_TEXT) == []
    page = owner.get(f"/handoffs/{handoff.id}").text
    assert VISITOR_TEXT in page and 'id="composer"' in page
    last = max(int(i) for i in re.findall(r'data-id="(\d+)"', page))

    # A colleague can't write in it: the staff app refuses, and so does the Rasa server.
    refused = other.form(f"/handoffs/{handoff.id}/send", {"text": "Hello from a colleague"})
    assert refused.status_code == 409 and "only they can write in it" in unescape(refused.text)
    status, answer = open_clinic.request(
        f"http://127.0.0.1:{open_clinic.rasa_port}/webhooks/rest/handoff/send",
        json.dumps({"handoff": handoff.id, "staff_user": "not-" + owner_user, "text": "x"}).encode(),
        token=ownership.staff_secret(open_clinic.secret.encode()))
    assert (status, answer.get("code")) == (409, "not_yours")

    # Nothing, or too much: refused with the reason, nothing reaches the visitor.
    assert owner.form(f"/handoffs/{handoff.id}/send", {"text": " "}).status_code == 400
    assert owner.form(f"/handoffs/{handoff.id}/send", {"text": "x" * 4001}).status_code == 400

    # The owner writes (as the page's script does): the visitor's poll has it within seconds.
    sent = owner.post(f"/handoffs/{handoff.id}/send", data={"text": STAFF_TEXT, "csrf_token": owner.csrf},
                      headers={"Accept": "application/json"})
    assert sent.status_code == 200 and sent.json()["ok"], sent.text
    got = until(lambda: [m for m in visitor_poll(open_clinic, sender, after)["messages"] if m["text"] == STAFF_TEXT])
    assert got and got[0]["author"] == "staff" and got[0]["staff_name"] == name

    # A crisis message mid-chat: the crisis reply at once, and flagged on the staff page.
    reply = open_clinic.say(sender, CRISIS_TEXT)
    assert reply and "988" in " ".join(m.get("text") or "" for m in reply), reply
    polled = owner.get(f"/handoffs/{handoff.id}/live", params={"after": last}).json()
    crisis = [m for m in polled["messages"] if m["text"] == CRISIS_TEXT]
    assert crisis and crisis[0]["crisis"] is True, polled
    assert [m["text"] for m in polled["messages"] if m["author"] == "staff"] == [STAFF_TEXT]
    assert CRISIS_FLAG in other.get(f"/handoffs/{handoff.id}").text, "read-only, still flagged"

    # Handed back: the page says so, the composer is gone, the bot answers the next question.
    page = owner.form(f"/handoffs/{handoff.id}/hand-back", {}).text
    assert "Handed back to the assistant: it answers the visitor from now on." in flashes(page)
    assert "This chat has ended: it was handed back to the assistant." in page and 'id="composer"' not in page
    assert handoffs.get(handoff.id, url).state == handoffs.ENDED
    assert open_clinic.say(sender, "what is IOP?"), "the assistant answers again"

    # The record: the person's turn under their name, in the transcript and the export.
    transcript = owner.get(path_of(sender)).text
    assert f"{name} (admissions team)" in transcript and "Hi, I&#39;m Maria from admissions." in transcript
    assert "Live chat: handed to the admissions team" in transcript and "to the admissions team" in transcript
    export = owner.get("/conversation/export", params={"id": sender, "format": "csv", "redact": "1"}).text
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [row["speaker"] for row in rows if row["text"].startswith("Hi, I'm Maria")] == [f"{name} (admissions team)"]

    # The audit log: who took it, that a message was sent, who handed back; never what was said.
    audit = execute(open_clinic, "SELECT * FROM staff_audit_log WHERE conversation_id = ? ORDER BY id", sender)
    steps = [(row["username"], row["action"]) for row in audit if row["action"].startswith("handoff_")]
    assert steps == [(owner_user, "handoff_take"), (owner_user, "handoff_send"), (owner_user, "handoff_hand_back")]
    everything = " ".join(str(tuple(row)) for row in audit)
    for said in (STAFF_TEXT, "Maria from admissions", VISITOR_TEXT, "drinks", "kill", "colleague"):
        assert said not in everything, said
