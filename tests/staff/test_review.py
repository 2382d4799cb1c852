"""What staff do in the app, against the real server and real conversations: find, read,
act, export, correct, and see it all in the audit log and the dashboard."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

from tests.servers import ROOT
from tests.staff.conftest import EMAIL, MISUNDERSTOOD, NAME, XSS


def rows_of(page: str, conversation_id: str) -> bool:
    return f">{conversation_id}</a>" in page


def test_the_list_shows_new_conversations_newest_first_with_flags(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get("/conversations").text
    ids = [conversations.plain, conversations.xss, conversations.crisis, conversations.callback, conversations.misunderstood]
    positions = [page.index(f">{cid}</a>") for cid in ids]
    assert positions == sorted(positions, reverse=True), "newest first"
    row = page[page.index(f">{conversations.callback}</a>"):].split("</tr>")[0]
    assert "crisis" in row and "callback" in row and "rest" in row


def test_filters(staff_app, conversations):
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
    future = client.get("/conversations", params={"start": "2999-01-01"}).text
    assert "No conversations match." in future
    past = client.get("/conversations", params={"end": "2000-01-01"}).text
    assert "No conversations match." in past


def test_transcript_shows_the_nlu_actions_forms_and_slots(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get(f"/conversations/{conversations.callback}").text
    assert "Session 1 started" in page
    assert "request_callback" in page  # the predicted intent of the first message
    assert "form <b>callback_form</b> started" in page and "form asks for <b>callback_phone</b>" in page
    assert "action_crisis_response" in page and "crisis lexicon" in page
    assert "slot callback_name = Sam Rivera" in page
    assert re.search(r"CB-[2-9A-HJKMNP-Z]{6}", page), "a link to the callback request"
    plain = client.get(f"/conversations/{conversations.plain}").text
    assert "level_of_care=IOP" in plain and "ask_level_info" in plain


def test_mark_reviewed_tags_and_notes(staff_app, conversations):
    client = staff_app.login("reviewer")
    path = f"/conversations/{conversations.crisis}"
    client.get(path)
    assert "Reviewed by reviewer" in client.form(path + "/review", {"reviewed": "1"}).text
    page = client.form(path + "/tags", {"tag": "Follow up"}).text
    assert "follow up" in page
    page = client.form(path + "/notes", {"body": "Called 911 advice given; <b>check</b> tomorrow."}).text
    assert "&lt;b&gt;check&lt;/b&gt;" in page
    reviewed = client.get("/conversations", params={"reviewed": "yes"}).text
    assert rows_of(reviewed, conversations.crisis) and not rows_of(reviewed, conversations.plain)
    not_reviewed = client.get("/conversations", params={"reviewed": "no"}).text
    assert rows_of(not_reviewed, conversations.plain) and not rows_of(not_reviewed, conversations.crisis)


def test_callback_queue(staff_app, conversations, assistant):
    client = staff_app.login("reviewer")
    queue = client.get("/callbacks").text
    assert NAME in queue and "+16195550123" in queue
    callback_id = re.search(rf'id="cb(\d+)">\s*<td><b>CB-\w+</b><br><a href="/conversations/{conversations.callback}"', queue).group(1)
    page = client.form(f"/callbacks/{callback_id}/status", {"from": "new", "to": "contacted"}).text
    assert "is now contacted" in page
    contacted = client.get("/callbacks", params={"status": "contacted"}).text
    assert NAME in contacted and "contacted by reviewer" in contacted
    # A second click from a stale page changes nothing.
    assert "was not moved" in client.form(f"/callbacks/{callback_id}/status", {"from": "new", "to": "contacted"}).text
    # The person asking again after being contacted makes a new request (storage/callbacks.py's rule).
    import sqlite3

    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM callback_requests WHERE conversation_id = ?",
                                             (conversations.callback,))]
    assert statuses == ["contacted"]


def _export(client, path, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200
    return response


def test_exports_and_redaction(staff_app, conversations):
    client = staff_app.login("reviewer")
    path = f"/conversations/{conversations.callback}/export"
    full = _export(client, path, format="csv").text
    assert NAME in full and "(619) 555-0123" in full and EMAIL in full
    for fmt in ("csv", "json"):
        redacted = _export(client, path, format=fmt, redact="1").text
        if fmt == "csv":
            texts = [row["text"] for row in csv.DictReader(io.StringIO(redacted))]
        else:
            texts = [m["text"] for c in json.loads(redacted)["conversations"] for m in c["messages"]]
        text = "\n".join(texts)
        assert not re.search(r"\d[\d\s().-]{5,}\d", text), "no phone number, in any format"
        assert "5550123" not in re.sub(r"\D", "", text)
        assert "Sam" not in text and "Rivera" not in text and EMAIL not in text
        assert "can someone from your team call me?" in text  # the rest is still there
    rows = list(csv.DictReader(io.StringIO(_export(client, path, format="csv", redact="1").text)))
    assert rows[0]["speaker"] == "user" and rows[0]["intent"] == "request_callback"
    document = json.loads(_export(client, path, format="json").text)
    assert document["redacted"] is False and document["conversations"][0]["conversation_id"] == conversations.callback
    # A filtered set: the crisis conversations, as JSON.
    crisis = json.loads(_export(client, "/export", format="json", flag="crisis", redact="1").text)
    exported = {c["conversation_id"] for c in crisis["conversations"]}
    assert {conversations.crisis, conversations.callback} <= exported and conversations.plain not in exported


def test_views_and_exports_are_in_the_audit_log(staff_app, conversations):
    reviewer = staff_app.login("reviewer")
    reviewer.get(f"/conversations/{conversations.xss}")
    _export(reviewer, f"/conversations/{conversations.xss}/export", format="json", redact="1")
    _export(reviewer, "/export", format="csv", q="<script>")
    admin = staff_app.login("admin")
    log = admin.get("/admin/audit", params={"conversation_id": conversations.xss}).text
    assert re.search(r"<td>reviewer</td>\s*<td>view_transcript</td>", log)
    assert re.search(r"<td>reviewer</td>\s*<td>export_json</td>", log) and "redacted; one conversation" in log
    assert re.search(r"<td>reviewer</td>\s*<td>export_csv</td>", log) and "q=(search)" in log
    assert "&lt;script&gt;" not in log, "search words are not kept"


def test_corrections_export_as_valid_rasa_nlu(staff_app, conversations, tmp_path):
    client = staff_app.login("reviewer")
    page = client.get(f"/conversations/{conversations.misunderstood}").text
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    page = client.form(f"/conversations/{conversations.misunderstood}/corrections",
                       {"event_id": event_id, "intent": "out_of_scope"}).text
    assert "corrected to out_of_scope by reviewer" in page
    xss_page = client.get(f"/conversations/{conversations.xss}").text
    xss_event = re.findall(r'name="event_id" value="(\d+)"', xss_page)[-1]
    client.form(f"/conversations/{conversations.xss}/corrections", {"event_id": xss_event, "intent": "out_of_scope"})
    assert client.form(f"/conversations/{conversations.xss}/corrections",
                       {"event_id": xss_event, "intent": "not_an_intent"}).status_code == 400
    listing = client.get("/corrections").text
    assert MISUNDERSTOOD in listing and "&lt;script&gt;" in listing
    exported = client.get("/corrections/nlu.yml").text
    document = yaml.safe_load(exported)
    examples = {block["intent"]: block["examples"] for block in document["nlu"]}
    assert f"- {MISUNDERSTOOD}" in examples["out_of_scope"] and f"- {XSS}" in examples["out_of_scope"]
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
    crisis = int(re.search(r'<div class="card crisis"><div class="figure">(\d+)</div>', page).group(1))
    assert crisis >= 2
    assert re.search(r"<title>\d{4}-\d\d-\d\d: [1-9]\d*</title>", page), "today has conversations"
    assert "fallback rate" in page and "callbacks contacted / requested" in page
