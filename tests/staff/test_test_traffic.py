"""Admins mark conversations of staff trying the assistant out as test traffic: hidden from the
list (and its exports) unless asked for, shown as such on the transcript, and found by search
still. Reviewers can't: it takes a conversation out of the figures."""
from __future__ import annotations

import uuid

from tests.staff.conftest import path_of


def test_test_traffic_is_hidden_unless_asked_for(staff_app, assistant):
    sender = f"staff-trying-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "testing testing, does the bot know what IOP is")
    reviewer = staff_app.login("reviewer")
    assert "Mark as test traffic" not in reviewer.get(path_of(sender)).text
    refused = reviewer.form(path_of(sender, "test-traffic"), {"test": "1"}, allow_redirects=False)
    assert refused.status_code == 403, "only admins take a conversation out of the figures"
    client = staff_app.login("admin")
    assert f">{sender}</a>" in client.get("/conversations").text

    page = client.form(path_of(sender, "test-traffic"), {"test": "1"}).text
    assert "Marked as test traffic" in page and "test traffic</span>" in page
    assert f">{sender}</a>" not in client.get("/conversations").text
    shown = client.get("/conversations", params={"test": "show"}).text
    assert f">{sender}</a>" in shown and "test traffic</span>" in shown
    only = client.get("/conversations", params={"test": "only"}).text
    assert f">{sender}</a>" in only and only.count('class="conversation-id"') == only.count('badge test"')
    export = client.get("/export", params={"format": "csv", "redact": "1", "q": "does the bot know"})
    assert export.status_code == 200 and "does the bot know" not in export.text
    with_tests = client.get("/export", params={"format": "csv", "redact": "1", "q": "does the bot know", "test": "show"})
    assert "does the bot know" in with_tests.text
    # Search still finds it: staff looking for something want to see everything.
    assert f">{sender}</a>" in client.get("/search", params={"q": "does the bot know what IOP"}).text

    page = client.form(path_of(sender, "test-traffic"), {"test": "0"}).text
    assert "No longer marked as test traffic." in page
    assert f">{sender}</a>" in client.get("/conversations").text
    log = client.get("/admin/audit", params={"conversation_id": sender}).text
    assert "test_traffic_mark" in log and "test_traffic_unmark" in log
