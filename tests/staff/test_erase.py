"""Erasing a person's conversation: from the staff app (admins) and from the command line.

Each erase is checked where the data lives: zero rows for the conversation
in every table, the transcript gone from the app's pages and exports, and
one audit row saying an erase happened, under the conversation's pseudonym.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid

import pytest

from staff_review.exports import pseudonym
from tests.servers import ROOT
from tests.staff.conftest import path_of, sqlite_file

# (table, the column that names the conversation): every table that can hold one.
TABLES = [
    ("events", "sender_id"), ("callback_requests", "conversation_id"), ("staff_reviews", "conversation_id"),
    ("staff_tags", "conversation_id"), ("staff_notes", "conversation_id"), ("staff_corrections", "conversation_id"),
    ("staff_conversations", "conversation_id"), ("staff_messages", "conversation_id"),
    ("staff_audit_log", "conversation_id"),
]


def rows_left(database_url: str, conversation_id: str) -> dict:
    with sqlite3.connect(sqlite_file(database_url)) as db:
        left = {
            table: db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (conversation_id,)).fetchone()[0]
            for table, column in TABLES
        }
        left["staff_callback_history"] = db.execute(
            "SELECT count(*) FROM staff_callback_history WHERE callback_id NOT IN (SELECT id FROM callback_requests)"
        ).fetchone()[0]
    return left


def with_callback(assistant, name: str, phone: str) -> str:
    sender = f"erase-{uuid.uuid4().hex[:8]}"
    for message in ("can someone from your team call me?", name, phone, "Evening", "no", "/affirm", "/affirm",
                    "i've been drinking every day since my divorce"):
        assistant.say(sender, message)
    return sender


def reference_of(database_url: str, conversation_id: str) -> str:
    with sqlite3.connect(sqlite_file(database_url)) as db:
        return db.execute("SELECT reference FROM callback_requests WHERE conversation_id = ?", (conversation_id,)).fetchone()[0]


def test_an_admin_erases_a_conversation_from_its_page(staff_app, assistant):
    sender = with_callback(assistant, "Robin Erasmus", "(619) 555-0161")
    admin, reviewer = staff_app.login("admin"), staff_app.login("reviewer")
    page = reviewer.get(path_of(sender)).text
    assert "Robin Erasmus" in page and "Erase conversation" not in page, "reviewers don't see the button"
    reviewer.form(path_of(sender, "tags"), {"tag": "follow-up"})
    reviewer.form(path_of(sender, "notes"), {"body": "Robin asked about evening groups"})
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    reviewer.form(path_of(sender, "corrections"), {"event_id": event_id, "intent": "request_callback"})
    reviewer.form(path_of(sender, "review"), {"reviewed": "1", "through": "999999999"})
    callbacks = admin.get("/callbacks", params={"status": "all"}).text
    assert "Robin Erasmus" in callbacks
    assert reviewer.form(path_of(sender, "erase"), {"confirm": "erase"}).status_code == 403
    assert "Erase conversation" in admin.get(path_of(sender)).text
    unconfirmed = admin.form(path_of(sender, "erase"), {})
    assert "can't be undone" in unconfirmed.text and rows_left(assistant.database_url, sender)["events"] > 0

    erased = admin.form(path_of(sender, "erase"), {"confirm": "erase"})
    stand_in = pseudonym(sender, staff_app.secret_key)
    assert erased.status_code == 200 and f"Erased conversation {stand_in}" in erased.text
    assert rows_left(assistant.database_url, sender) == {name: 0 for name in [*dict(TABLES), "staff_callback_history"]}
    assert admin.get(path_of(sender)).status_code == 404
    assert sender not in admin.get("/conversations").text
    assert "Robin Erasmus" not in admin.get("/conversations", params={"q": "divorce"}).text
    assert "Robin Erasmus" not in admin.get("/callbacks", params={"status": "all"}).text
    assert "Robin" not in admin.get("/export", params={"format": "json", "q": "divorce"}).text
    log = admin.get("/admin/audit", params={"conversation_id": stand_in}).text
    assert re.search(r"<td[^>]*>admin</td>\s*<td[^>]*>erase</td>", log), "the erase itself is recorded"
    assert re.search(r"<td[^>]*>reviewer</td>\s*<td[^>]*>view_transcript</td>", log), "who read it is still known"
    assert "Robin" not in log and "5550161" not in re.sub(r"\D", "", log), "nor the number, in any spelling"


def erase_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "staff_review.erase", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "STAFF_SECRET_KEY": "k" * 40},
    )


@pytest.mark.parametrize("found_by", ["phone", "reference", "conversation"])
def test_the_command_line_finds_and_erases_a_persons_conversations(assistant, found_by):
    phone = f"(858) 555-01{uuid.uuid4().int % 90 + 10}"
    first, second = with_callback(assistant, "Kim Dalton", phone), with_callback(assistant, "Kim Dalton", phone)
    bystander = with_callback(assistant, "Pat Keep", "(858) 555-0100")
    by = {
        "phone": ["--phone", phone.replace("(", "").replace(") ", ".").replace("-", ".")],  # another way to write it
        "reference": ["--reference", reference_of(assistant.database_url, first).lower()],
        "conversation": ["--conversation", first],
    }[found_by]
    result = erase_cli(assistant.database_url, *by, "--by", "maria")
    assert result.returncode == 0, result.stderr
    assert "Erased" in result.stdout and first not in result.stdout and pseudonym(first, "k" * 40) in result.stdout
    assert not any(rows_left(assistant.database_url, first).values())
    if found_by == "phone":  # the same number in two conversations: both go
        assert not any(rows_left(assistant.database_url, second).values())
    assert rows_left(assistant.database_url, bystander)["events"] > 0, "nobody else's data"
    assert rows_left(assistant.database_url, bystander)["callback_requests"] == 1


@pytest.mark.parametrize("args", [["--phone", "(000) 000-0000"], ["--reference", "CB-ZZZZZZ"], ["--conversation", "nobody"]])
def test_nothing_found_is_said_and_changes_nothing(assistant, args):
    result = erase_cli(assistant.database_url, *args)
    assert result.returncode == 1 and "no conversation" in result.stderr


def test_an_empty_selector_is_refused(assistant):
    result = erase_cli(assistant.database_url, "--conversation", " ")
    assert result.returncode == 2 and "CONVERSATION=" in result.stderr


def test_every_table_that_names_a_conversation_is_erased():
    """A new table holding conversation rows (handoffs, checkpoints, ...) must join the erase list."""
    from staff_review import db
    from staff_review.erase import BY_CONVERSATION
    from storage import callbacks, checkpoints, handoffs

    erased = {table.name for table, _column in BY_CONVERSATION} | {"callback_requests"}  # by reference, above
    kept_as_pseudonym = {"staff_audit_log"}
    naming = {
        table.name
        for metadata in (db.metadata, callbacks.metadata, checkpoints.metadata, handoffs.metadata)
        for table in metadata.tables.values()
        if {"conversation_id", "sender_id"} & set(table.columns.keys())
    }
    assert naming - erased - kept_as_pseudonym == set()
