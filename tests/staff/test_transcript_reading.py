"""Reading a transcript, against the real assistant and the real staff app: the bot's markdown
rendered (safely) in transcripts and as plain text in exports, and answers to a form's questions
labelled as answers rather than as intents the NLU guessed."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid

import pytest
from markupsafe import escape

from staff_review.bot_text import SAFE_LINK
from tests.servers import ROOT
from tests.staff.conftest import NAME, path_of, sqlite_file, tags_in

HOSTILE_NAME = "[x](javascript:alert(1))"
HOSTILE_TAG = "<img src=x onerror=alert(1)>"
HOSTILE_NOTE = f"{HOSTILE_NAME} {HOSTILE_TAG} [site](https://example.org/a?b=1&c=2) [y](JavaScript:alert(2))"


@pytest.fixture(scope="module")
def hostile(assistant) -> str:
    """A callback request whose answers are built to make markup: a name the form refuses, then a note
    it keeps and repeats in its summary (the bot's own message), and a guide question asked mid-form."""
    sender = f"staff-hostile-{uuid.uuid4().hex[:8]}"
    for message in ["please call me", HOSTILE_NAME, HOSTILE_TAG, "Dana", "what is IOP?", "619-555-0101", "Morning",
                    HOSTILE_NOTE, "/affirm"]:
        assistant.say(sender, message)
    return sender


def bubbles(page: str, kind: str):
    """The inner HTML of each user or bot bubble's text, in order."""
    css = "text markdown" if kind == "bot" else "text"
    return re.findall(rf'<div class="bubble {kind}[^"]*"[^>]*>\s*<div class="{css}">(.*?)</div>', page, re.S)


def user_bubble(page: str, text: str) -> str:
    """The whole bubble (text and NLU line) of the first user message with this text."""
    at = page.index(f'<div class="text">{escape(text)}</div>')
    start = page.rindex('<div class="bubble user', 0, at)
    return page[start:page.index('<div class="bubble', at)]


def test_bot_markdown_is_rendered_not_shown_raw(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get(path_of(conversations.callback)).text
    bot = bubbles(page, "bot")
    summary = next(b for b in bot if "Here's what I'll send" in b)
    assert "<ul>" in summary and f"<li>Name: {NAME}</li>" in summary and "<li>Phone: (619) 555-0123</li>" in summary
    assert "- Name:" not in summary
    crisis = next(b for b in bot if "Call 911" in b)
    assert "<strong>Call 911</strong>" in crisis and "<li>" in crisis
    plain = client.get(path_of(conversations.plain)).text
    assert re.search(r"<strong>Intensive outpatient program \(IOP\)</strong>", plain)
    for html in (page, plain):
        assert "**" not in html
    # User messages are text, whatever they hold.
    assert f'<div class="text">{NAME}</div>' in page


def test_hostile_input_is_inert(staff_app, hostile):
    client = staff_app.login("reviewer")
    page = client.get(path_of(hostile)).text
    # What the person typed is shown as they typed it, never as markup.
    for text in (HOSTILE_NAME, HOSTILE_TAG, HOSTILE_NOTE):
        assert f'<div class="text">{escape(text)}</div>' in page
    users = "".join(bubbles(page, "user"))
    assert "<a" not in users and "<img" not in users and "&lt;img src=x onerror=alert(1)&gt;" in users
    # The bot repeats the note in its summary: rendered, but with no live link or tag.
    summary = next(b for b in bubbles(page, "bot") if "Here's what I'll send" in b)
    assert "<li>Name: Dana</li>" in summary
    assert '<span class="link-removed">x (javascript:alert(1))</span>' in summary
    assert '<span class="link-removed">y (JavaScript:alert(2))</span>' in summary
    assert "&lt;img src=x onerror=alert(1)&gt;" in summary
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">site</a>' in summary
    for html in bubbles(page, "bot"):
        for tag, attributes in tags_in(html):
            assert tag in {"p", "br", "ul", "ol", "li", "strong", "em", "a", "span"}, tag
            assert not any(name.startswith("on") or name in ("style", "src") for name in attributes), (tag, attributes)
            if tag == "a":
                assert SAFE_LINK.match(attributes["href"]), attributes
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.I), "no javascript: link anywhere"
    # And were something to slip through, the app's Content-Security-Policy runs no inline script.
    policy = dict(d.strip().split(" ", 1) for d in client.get(path_of(hostile)).headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy.get("script-src", "'none'") in ("'none'", "'self'")


def test_form_answers_are_labelled_as_answers(staff_app, conversations, hostile, assistant):
    client = staff_app.login("reviewer")
    page = client.get(path_of(conversations.walkthrough)).text
    for text, label in [("Morning", "best time to call"), ("619-555-0188", "phone number"), ("Alex Moreno", "name")]:
        bubble = user_bubble(page, text)
        assert f'<span class="answer-to">Answer to: {label}</span>' in bubble, text
        assert 'class="intent"' not in bubble and "conf low" not in bubble and "nlu_fallback" not in bubble, text
        assert 'class="correct"' not in bubble, "an answer never becomes training data"
    # A message before the form is still shown with what the NLU made of it.
    first = user_bubble(page, "please call me")
    assert '<span class="intent">request_callback</span>' in first and "Answer to" not in first
    # A guide question asked in the middle of the form was answered as one: not an answer to the form.
    asked = user_bubble(client.get(path_of(hostile)).text, "what is IOP?")
    assert '<span class="intent">ask_level_info</span>' in asked and "Answer to" not in asked
    # The triage questions are labelled by what they ask.
    sender = f"staff-triage-{uuid.uuid4().hex[:8]}"
    for message in ["I think I need help", "For me", "/affirm", "Not sure"]:
        assistant.say(sender, message)
    triage = client.get(path_of(sender)).text
    assert "Answer to: Is there a safe, supportive home to live in during treatment?" in triage
    assert "conf low" not in user_bubble(triage, "Not sure"), "affirm at 0.52: an answer, not a misunderstanding"


def counted(database_url: str, conversation_id: str):
    with sqlite3.connect(sqlite_file(database_url)) as db:
        flags = db.execute("SELECT low_confidence, fallback FROM staff_conversations WHERE conversation_id = ?",
                           (conversation_id,)).fetchone()
        answers = dict(db.execute("SELECT text, answers_slot FROM staff_messages WHERE conversation_id = ?",
                                  (conversation_id,)).fetchall())
    return flags, answers


def test_answers_are_no_low_confidence_or_fallback_turns(staff_app, conversations, assistant, hostile):
    client = staff_app.login("reviewer")
    client.get("/conversations")  # brings the index up to date
    (low_confidence, fallback), answers = counted(assistant.database_url, conversations.walkthrough)
    assert low_confidence == 0 and not fallback, "the name and the phone number were nlu_fallback at 0.30"
    assert answers["Morning"] == "callback_best_time" and answers["619-555-0188"] == "callback_phone"
    assert answers["please call me"] is None and answers["I want to kill myself"] is None
    _, answers = counted(assistant.database_url, hostile)
    assert answers["what is IOP?"] is None and answers[HOSTILE_NAME] == "callback_name"
    # "Morning" read as greet doesn't make the conversation one where someone greeted: intent
    # filters (and the dashboard's intent counts, which are what they list) pass answers by.
    # (Each search is narrowed to words of that one conversation: the list has pages.)
    greeted = client.get("/conversations", params={"intent": "greet", "q": "bunch of pills"}).text
    assert f">{conversations.crisis}</a>" in greeted, "'hi' is a greeting"
    assert f">{conversations.walkthrough}</a>" in client.get("/conversations", params={"q": "619-555-0188"}).text
    answered = client.get("/conversations", params={"intent": "greet", "q": "619-555-0188"}).text
    assert f">{conversations.walkthrough}</a>" not in answered
    # A message nobody understood, outside any form, still counts.
    (low_confidence, fallback), _ = counted(assistant.database_url, conversations.misunderstood)
    assert low_confidence == 1 and fallback
    # Posted by hand, a correction of an answer is refused.
    page = client.get(path_of(conversations.walkthrough)).text
    morning = re.search(r'id="m(\d+)">\s*<div class="text">Morning</div>', page).group(1)
    refused = client.form(path_of(conversations.walkthrough, "corrections"), {"event_id": morning, "intent": "greet"})
    assert refused.status_code == 400
    # `python -m staff_review.sync --rebuild` fills the index again, answers included.
    result = subprocess.run(
        [sys.executable, "-m", "staff_review.sync", "--rebuild"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": assistant.database_url},
    )
    assert result.returncode == 0 and "Indexed" in result.stdout, result.stderr[-2000:]
    (low_confidence, fallback), answers = counted(assistant.database_url, conversations.walkthrough)
    assert low_confidence == 0 and not fallback and answers["Morning"] == "callback_best_time"


def test_exports_carry_plain_text(staff_app, conversations, hostile):
    reviewer, admin = staff_app.login("reviewer"), staff_app.login("admin")
    for conversation_id in (conversations.callback, conversations.walkthrough, hostile):
        path = path_of(conversation_id, "export")
        exported = [
            list(csv.DictReader(io.StringIO(reviewer.get(path, params={"format": "csv", "redact": "1"}).text))),
            [m for c in json.loads(reviewer.get(path, params={"format": "json", "redact": "1"}).text)["conversations"]
             for m in c["messages"]],
            list(csv.DictReader(io.StringIO(admin.get(path, params={"format": "csv", "reason": "test"}).text))),
        ]
        for rows in exported:
            bot = [row["text"] for row in rows if row["speaker"] == "bot"]
            assert bot and not any("**" in text for text in bot)
            assert not any(line.lstrip("'").startswith("- ") for text in bot for line in text.split("\n"))
            summary = next(text for text in bot if text.startswith("Here's what I'll send"))
            assert "\n• Phone: " in summary and "\n• Best time: " in summary
    full = list(csv.DictReader(io.StringIO(admin.get(path_of(hostile, "export"), params={"format": "csv", "reason": "test"}).text)))
    summary = next(row["text"] for row in full if row["text"].startswith("Here's what I'll send"))
    assert "• Note: x (javascript:alert(1)) <img src=x onerror=alert(1)> site (https://example.org/a?b=1&c=2)" in summary
    # Redaction runs on the text as exported.
    redacted = list(csv.DictReader(io.StringIO(reviewer.get(path_of(conversations.callback, "export"),
                                                             params={"format": "csv", "redact": "1"}).text)))
    text = "\n".join(row["text"] for row in redacted)
    assert "Sam" not in text and "Rivera" not in text and "5550123" not in re.sub(r"\D", "", text)
    assert "• Name: [name]" in text or "• Name: (name)" in text
    # Answers are marked as such (the slot they answered), so nobody counts "Evening" as a greeting.
    evening = next(row for row in redacted if row["text"] == "Evening")
    assert evening["answer_to"] == "callback_best_time"
    assert next(row for row in redacted if row["speaker"] == "user")["answer_to"] == ""
