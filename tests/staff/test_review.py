"""What staff do in the app, against the real server and real conversations: find, read,
act, export, correct, and see it all in the audit log and the dashboard."""
from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
import sqlite3
import string
import subprocess
import sys
import time
import uuid
from html import unescape

import yaml

from staff_review import domain as staff_domain, exports
from staff_review.exports import pseudonym
from staff_review.redact import public_numbers
from tests.servers import ROOT
from tests.staff.conftest import EMAIL, MISUNDERSTOOD, NAME, PHONE, XSS, path_of, sqlite_file


def rows_of(page: str, conversation_id: str) -> bool:
    return f">{conversation_id}</a>" in page


def listed(page: str):
    """The conversation ids of a list page, in order."""
    return [unescape(cid) for cid in re.findall(r'<a href="/conversation\?id=[^"]*" class="conversation-id">([^<]*)</a>', page)]


def mark_reviewed(client, conversation_id: str):
    page = client.get(path_of(conversation_id)).text
    through = re.search(r'name="through" value="(\d+)"', page).group(1)
    return client.form(path_of(conversation_id, "review"), {"reviewed": "1", "through": through})


def row_of(page: str, conversation_id: str) -> str:
    at = page.index(f">{conversation_id}</a>")
    return page[page.rindex("<tr>", 0, at):].split("</tr>")[0]


def test_the_list_shows_new_conversations_most_recent_first_with_flags(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get("/conversations").text
    ids = [conversations.plain, conversations.xss, conversations.crisis, conversations.callback, conversations.misunderstood]
    positions = [page.index(f">{cid}</a>") for cid in ids]
    assert positions == sorted(positions, reverse=True), "most recent activity first"
    row = row_of(page, conversations.callback)
    assert "crisis" in row and "callback" in row and "Website" in row
    # Who wrote (the name given for the callback) and what they first wrote, not only an opaque id.
    assert f'<b class="visitor">{NAME}</b>' in row and "“can someone from your team call me?”" in row


def test_new_activity_after_a_review_brings_the_conversation_back(staff_app, assistant):
    sender = f"staff-later-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "what is IOP?")
    client = staff_app.login("reviewer")
    client.get("/conversations")
    assert "Reviewed by reviewer" in mark_reviewed(client, sender).text
    assert not rows_of(client.get("/conversations", params={"reviewed": "no"}).text, sender)
    assistant.say("staff-other-" + uuid.uuid4().hex[:8], "hello")  # someone else, in between
    assistant.say(sender, "how many days a week is that?")
    page = client.get("/conversations").text
    assert listed(page)[0] == sender, "back at the top"
    assert "new activity since review" in row_of(page, sender)
    assert rows_of(client.get("/conversations", params={"reviewed": "no"}).text, sender)
    assert not rows_of(client.get("/conversations", params={"reviewed": "yes"}).text, sender)
    transcript = client.get(path_of(sender)).text
    assert "New activity since review" in transcript and "Mark reviewed" in transcript
    # Reviewing again covers the new messages.
    mark_reviewed(client, sender)
    assert rows_of(client.get("/conversations", params={"reviewed": "yes"}).text, sender)


def test_odd_conversation_ids_open(staff_app, assistant):
    """A sender id is the client's choice: none may hide a transcript (a crisis, say) from staff."""
    run = uuid.uuid4().hex[:8]
    senders = [f"a/b-{run}", f"../c//d-{run}", f"/lead-{run}", f"q?x=1&y=%2F#h-{run}"]
    for sender in senders:
        assistant.say(sender, "I want to kill myself")
    client = staff_app.login("reviewer")
    page = client.get("/conversations", params={"flag": "crisis"}).text
    links = {unescape(cid): unescape(href) for href, cid in re.findall(r'<a href="(/conversation\?id=[^"]*)" class="conversation-id">([^<]*)</a>', page)}
    for sender in senders:
        transcript = client.get(links[sender])
        assert transcript.status_code == 200, sender
        assert "I want to kill myself" in transcript.text and "crisis lexicon" in transcript.text
        assert "Reviewed by reviewer" in mark_reviewed(client, sender).text
        assert client.get(path_of(sender, "export"), params={"format": "csv", "redact": "1"}).status_code == 200


def test_filters(staff_app, conversations, assistant):
    client = staff_app.login("reviewer")
    crisis = client.get("/conversations", params={"flag": "crisis"}).text
    assert rows_of(crisis, conversations.crisis) and rows_of(crisis, conversations.callback)
    assert not rows_of(crisis, conversations.plain)
    callbacks = client.get("/conversations", params={"flag": "callback"}).text
    assert rows_of(callbacks, conversations.callback) and not rows_of(callbacks, conversations.crisis)
    fallback = client.get("/conversations", params={"flag": "fallback"}).text
    assert rows_of(fallback, conversations.misunderstood) and not rows_of(fallback, conversations.plain)
    by_intent = client.get("/conversations", params={"intent": "ask_level_schedule"}).text
    assert rows_of(by_intent, conversations.plain) and not rows_of(by_intent, conversations.crisis)
    by_channel = client.get("/conversations", params={"channel": "rest"}).text
    assert rows_of(by_channel, conversations.plain)
    assert not rows_of(client.get("/conversations", params={"channel": "telegram"}).text, conversations.plain)
    # The callback flag means a request was stored, not that the form started.
    started_only = f"staff-form-only-{uuid.uuid4().hex[:8]}"
    assistant.say(started_only, "please call me")
    assert started_only not in listed(client.get("/conversations", params={"flag": "callback"}).text)
    assert started_only in listed(client.get("/conversations").text)
    future = client.get("/conversations", params={"start": "2999-01-01"}).text
    assert "No conversations match." in future
    past = client.get("/conversations", params={"end": "2000-01-01"}).text
    assert "No conversations match." in past


def test_transcript_shows_the_nlu_actions_forms_and_slots(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get(path_of(conversations.callback)).text
    assert "Session 1 started" in page
    assert "request_callback" in page  # the predicted intent of the first message
    assert "form <b>callback_form</b> started" in page and "form asks for <b>callback_phone</b>" in page
    assert "action_crisis_response" in page and "crisis lexicon" in page
    assert "slot callback_name = Sam Rivera" in page
    assert re.search(r"CB-[2-9A-HJKMNP-Z]{6}", page), "a link to the callback request"
    plain = client.get(path_of(conversations.plain)).text
    assert "level_of_care=IOP" in plain and "ask_level_info" in plain


def test_mark_reviewed_tags_and_notes(staff_app, conversations):
    client = staff_app.login("reviewer")
    assert "Reviewed by reviewer" in mark_reviewed(client, conversations.crisis).text
    page = client.form(path_of(conversations.crisis, "tags"), {"tag": "Follow up"}).text
    assert "follow up" in page
    page = client.form(path_of(conversations.crisis, "notes"), {"body": "Called 911 advice given; <b>check</b> tomorrow."}).text
    assert "&lt;b&gt;check&lt;/b&gt;" in page
    reviewed = client.get("/conversations", params={"reviewed": "yes"}).text
    assert rows_of(reviewed, conversations.crisis) and not rows_of(reviewed, conversations.plain)
    not_reviewed = client.get("/conversations", params={"reviewed": "no"}).text
    assert rows_of(not_reviewed, conversations.plain) and not rows_of(not_reviewed, conversations.crisis)


def _export(client, path, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200
    return response


def test_exports_and_redaction(staff_app, conversations):
    client, admin = staff_app.login("reviewer"), staff_app.login("admin")
    path = path_of(conversations.callback, "export")
    full = _export(admin, path, format="csv", reason="records request").text
    assert NAME in full and "(619) 555-0123" in full and EMAIL in full
    for fmt in ("csv", "json"):
        redacted = _export(client, path, format=fmt, redact="1").text
        if fmt == "csv":
            texts = [row["text"] for row in csv.DictReader(io.StringIO(redacted))]
        else:
            texts = [m["text"] for c in json.loads(redacted)["conversations"] for m in c["messages"]]
        text = "\n".join(texts)
        numbers = {re.sub(r"\D", "", found)[-10:] for found in re.findall(r"\d[\d\s().-]{5,}\d", text)}
        assert numbers <= public_numbers(), "no phone number but the public lines the bot itself gives"
        assert "5550123" not in re.sub(r"\D", "", text)
        assert "Sam" not in text and "Rivera" not in text and EMAIL not in text
        assert "can someone from your team call me?" in text  # the rest is still there
        assert conversations.callback not in redacted, "conversation ids are pseudonyms"
    rows = list(csv.DictReader(io.StringIO(_export(client, path, format="csv", redact="1").text)))
    assert rows[0]["speaker"] == "user" and rows[0]["intent"] == "request_callback"
    document = json.loads(_export(admin, path, format="json", reason="records request").text)
    assert document["redacted"] is False and document["conversations"][0]["conversation_id"] == conversations.callback
    assert {row["conversation_id"] for row in rows} == {pseudonym(conversations.callback, staff_app.secret_key)}
    # A filtered set: the crisis conversations, as JSON.
    crisis = json.loads(_export(client, "/export", format="json", flag="crisis", redact="1").text)
    exported = {c["conversation_id"] for c in crisis["conversations"]}
    expected = {pseudonym(cid, staff_app.secret_key) for cid in (conversations.crisis, conversations.callback)}
    assert expected <= exported and pseudonym(conversations.plain, staff_app.secret_key) not in exported
    assert all(re.fullmatch(r"conv-[0-9a-f]{12}", cid) for cid in exported)
    # (A full export covers 200 conversations at most: narrowed here to the one with this email.)
    full = json.loads(_export(admin, "/export", format="json", flag="crisis", q=EMAIL, reason="case review").text)
    assert {c["conversation_id"] for c in full["conversations"]} == {conversations.callback}


def test_full_exports_are_an_admins_with_a_reason_and_one_audit_row(staff_app, conversations, assistant):
    reviewer, admin = staff_app.login("reviewer"), staff_app.login("admin")
    path = path_of(conversations.plain, "export")
    assert "Export in full" not in reviewer.get(path_of(conversations.plain)).text
    assert reviewer.get(path, params={"format": "csv", "reason": "curious"}).status_code == 403
    assert reviewer.get("/export", params={"format": "csv", "flag": "crisis", "reason": "x"}).status_code == 403
    assert "Export in full" in admin.get(path_of(conversations.plain)).text
    refused = admin.get(path, params={"format": "csv", "reason": "   "})
    assert refused.status_code == 400 and "reason" in refused.text
    body = _export(admin, path, format="json", reason="the person asked for a copy").content
    log = admin.get("/admin/audit", params={"action": "export_json", "username": "admin"}).text
    assert f"full; 1 conversation(s), {len(body)} bytes; one conversation; reason: the person asked for a copy" in log
    # Letters only: a random run of 7 digits would rightly be redacted as a phone number.
    word = "capcheck" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        for number in range(exports.MAX_FULL_CONVERSATIONS + 1):  # a crowd of short conversations
            event = {"event": "user", "timestamp": time.time(), "text": f"{word} hello", "input_channel": "rest",
                     "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []}}
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) VALUES (?, 'user', ?, 'greet', ?)",
                       (f"{word}-{number}", event["timestamp"], json.dumps(event)))
    everything = admin.get("/export", params={"format": "csv", "q": word, "reason": "backup"})
    assert f"More than {exports.MAX_FULL_CONVERSATIONS} conversations match" in everything.text, "a case, not the database"
    assert _export(admin, "/export", format="csv", q=word, redact="1").text.count(word) == exports.MAX_FULL_CONVERSATIONS + 1


def test_views_and_exports_are_in_the_audit_log(staff_app, conversations):
    reviewer = staff_app.login("reviewer")
    reviewer.get(path_of(conversations.xss))
    _export(reviewer, path_of(conversations.xss, "export"), format="json", redact="1")
    _export(reviewer, "/export", format="csv", q="<script>", redact="1")
    admin = staff_app.login("admin")
    log = admin.get("/admin/audit", params={"conversation_id": conversations.xss}).text
    assert re.search(r"<td[^>]*>reviewer</td>\s*<td[^>]*>view_transcript</td>", log)
    assert re.search(r"<td[^>]*>reviewer</td>\s*<td[^>]*>export_json</td>", log) and "redacted; 1 conversation(s)" in log
    exports_log = admin.get("/admin/audit", params={"action": "export_csv", "username": "reviewer"}).text
    assert "q=(search)" in exports_log and "&lt;script&gt;" not in exports_log, "search words are not kept"
    # Pages that show many people's data: one row each, with how many they showed.
    reviewer.get("/callbacks", params={"view": "all"})
    log = admin.get("/admin/audit", params={"action": "view_callbacks", "username": "reviewer"}).text
    assert re.search(r"view=all; \d+ requests shown", log)


def test_one_audit_row_per_page_with_personal_data_and_none_for_others(staff_app, assistant):
    reviewer = staff_app.login("reviewer")

    def rows():
        with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
            return db.execute("SELECT action, detail FROM staff_audit_log ORDER BY id").fetchall()

    before = len(rows())
    reviewer.get("/dashboard")
    assert len(rows()) == before, "counts only: nothing to record"
    page = reviewer.get("/conversations", params={"q": "Sam Rivera", "flag": "callback"}).text
    shown = len(re.findall(r'<a href="/conversation\?id=', page))
    [(action, detail)] = rows()[before:]
    assert action == "view_list" and detail.startswith(f"{shown} conversations shown")
    assert "Sam" not in detail and "Rivera" not in detail and "q=(search)" in detail


def test_corrections_pages_are_audited(staff_app, conversations):
    reviewer = staff_app.login("reviewer")
    page = reviewer.get(path_of(conversations.misunderstood)).text
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    reviewer.form(path_of(conversations.misunderstood, "corrections"), {"event_id": event_id, "intent": "out_of_scope"})
    reviewer.get("/corrections")
    reviewer.get("/corrections/nlu.yml")
    admin = staff_app.login("admin")
    log = admin.get("/admin/audit", params={"action": "view_corrections", "username": "reviewer"}).text
    assert re.search(r"\d+ corrections shown", log)
    log = admin.get("/admin/audit", params={"action": "corrections_export", "username": "reviewer"}).text
    assert re.search(r"redacted; \d+ corrections, \d+ bytes", log)


def test_corrections_export_as_valid_rasa_nlu(staff_app, conversations, assistant, tmp_path):
    client = staff_app.login("reviewer")
    page = client.get(path_of(conversations.misunderstood)).text
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    page = client.form(path_of(conversations.misunderstood, "corrections"),
                       {"event_id": event_id, "intent": "out_of_scope"}).text
    assert "corrected to out_of_scope by reviewer" in page
    xss_page = client.get(path_of(conversations.xss)).text
    xss_event = re.findall(r'name="event_id" value="(\d+)"', xss_page)[-1]
    client.form(path_of(conversations.xss, "corrections"), {"event_id": xss_event, "intent": "out_of_scope"})
    assert client.form(path_of(conversations.xss, "corrections"),
                       {"event_id": xss_event, "intent": "not_an_intent"}).status_code == 400
    # A form answer (a name) never becomes training data, even when posted by hand.
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        name_event = next(event_id for event_id, data in db.execute(
            "SELECT id, data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (conversations.callback,))
            if json.loads(data).get("text") == NAME)
    assert client.form(path_of(conversations.callback, "corrections"),
                       {"event_id": str(name_event), "intent": "out_of_scope"}).status_code == 400
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        assert db.execute("SELECT count(*) FROM staff_corrections WHERE event_id = ?", (name_event,)).fetchone()[0] == 0
    # Names, numbers and emails inside an ordinary message are redacted in the export.
    assistant.say(conversations.callback, f"blorp zibble {NAME} {PHONE} {EMAIL}")
    page = client.get(path_of(conversations.callback)).text
    personal_event = re.findall(r'id="m(\d+)">\s*<div class="text">blorp zibble', page)[-1]
    assert "corrected to out_of_scope" in client.form(path_of(conversations.callback, "corrections"),
                                                      {"event_id": personal_event, "intent": "out_of_scope"}).text
    listing = client.get("/corrections").text
    assert MISUNDERSTOOD in listing and "&lt;script&gt;" in listing
    exported = client.get("/corrections/nlu.yml").text
    document = yaml.safe_load(exported)
    examples = {block["intent"]: block["examples"] for block in document["nlu"]}
    assert f"- {MISUNDERSTOOD}" in examples["out_of_scope"] and f"- {XSS}" in examples["out_of_scope"]
    assert "- blorp zibble (name) (phone) (email)" in examples["out_of_scope"]
    assert "Rivera" not in exported and "Sam" not in exported and "555" not in exported and EMAIL not in exported
    # Rasa itself accepts it, merged with the project's own training data.
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "nlu" / "staff_corrections.yml").write_text(exported)
    result = subprocess.run(
        [str(os.path.join(os.path.dirname(sys.executable), "rasa")), "data", "validate", "--data", str(data),
         "--domain", str(ROOT / "domain.yml"), "--config", str(ROOT / "config.yml")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_dashboard(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get("/dashboard").text
    assert "<svg" in page and "Conversations per day" in page and "Top intents" in page
    crisis = int(re.search(r'<div class="card crisis"><div class="figure"><a class="count" href="[^"]*">(\d+)</a></div>', page).group(1))
    assert crisis >= 2
    assert re.search(r"<title>\d{4}-\d\d-\d\d: [1-9]\d*</title>", page), "today has conversations"
    assert "fallback rate" in page
    requested, reached, closed = map(int, re.search(
        r'<div class="figure">(\d+)</div><div>callbacks requested; (\d+) reached, (\d+) closed</div>', page).groups())
    assert requested >= 2 and reached <= requested and closed <= requested, "the fixture's two requests at least"


def test_intents_set_by_code_are_no_corrections_to_train_on():
    # A learned crisis_likely or ask_unplaced would skip the thresholds and checks that set them.
    offered = set(staff_domain.intents())
    assert {"crisis", "ask_admissions_info", "greet"} <= offered
    assert not {"nlu_fallback", "ask_unplaced", "crisis_likely", "crisis_check_in"} & offered
