"""An admissions coordinator works the day's callbacks, against the real assistant and staff app:
the queue shows a request as staff read it (clinic time, national phone format, how long it
has waited), finds it by reference, phone number in any format or name, lets one person take
it, logs each call, and closes it on a final outcome. The page's live feed doesn't keep an
idle login alive."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from html import unescape

import pytest
import requests

from tests.servers import ROOT
from tests.staff.conftest import PASSWORDS, run_cli, sqlite_file, start_staff_app


def ask_for_a_callback(assistant, name: str, phone: str, best_time: str = "Morning") -> str:
    """A new conversation in which the person asks for a callback; its sender id."""
    sender = f"queue-{uuid.uuid4().hex[:10]}"
    for message in ["can someone call me?", name, phone, best_time, "Nothing to add", "/affirm", "/affirm"]:
        assistant.say(sender, message)
    return sender


def request_of(database_url: str, sender: str):
    with sqlite3.connect(sqlite_file(database_url)) as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM callback_requests WHERE conversation_id = ? ORDER BY id", (sender,)).fetchall()


def article(page: str, reference: str) -> str:
    """The queue's entry for one request."""
    match = re.search(rf'<article class="request[^"]*" id="cb\d+"[^>]*>\s*<header>\s*<b class="reference">{reference}</b>.*?</article>',
                      page, re.S)
    assert match, f"{reference} is not in the queue"
    return match.group(0)


def flashes(page: str):
    return [unescape(text) for text in re.findall(r'<p class="flash" role="status">([^<]*)</p>', page)]


@pytest.fixture(scope="module")
def request_row(assistant):
    sender = ask_for_a_callback(assistant, "Jordan Lee", "(619) 555-0142")
    [row] = request_of(assistant.database_url, sender)
    return row


def test_the_queue_shows_a_request_as_staff_read_it(staff_app, request_row):
    page = staff_app.login("reviewer").get("/callbacks").text
    entry = article(page, request_row["reference"])
    assert "Jordan Lee" in entry
    # National format, dialled with a tel: link; no E.164 digits as the visible number.
    assert re.search(r'<a class="phone" href="tel:\+16195550142">\(619\) 555-0142</a>', entry)
    # The clinic's time zone (America/Los_Angeles in knowledge/clinic.yml), and how long it has waited.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T", entry)
    assert re.search(r"waiting \d+ min", entry) and "unassigned" in entry
    assert "America/Los_Angeles" in page


@pytest.mark.parametrize("typed", ["619.555.0142", "+1 619-555-0142", "6195550142", "Jordan", "lee"])
def test_a_request_is_found_by_phone_in_any_format_and_by_name(staff_app, request_row, typed):
    client = staff_app.login("reviewer")
    assert request_row["reference"] in client.get("/callbacks", params={"q": typed}).text
    everywhere = client.get("/search", params={"q": typed}).text
    assert request_row["reference"] in everywhere
    assert f">{request_row['conversation_id']}</a>" in everywhere, "the conversation is found too"


def test_a_request_is_found_by_its_reference_however_typed(staff_app, request_row):
    client = staff_app.login("reviewer")
    reference = request_row["reference"]
    for typed in (reference, reference.lower(), reference.replace("-", " "), reference.replace("CB-", "cb")):
        found = client.get("/callbacks", params={"q": typed}).text
        assert reference in found and found.count('<article class="request') == 1
    nothing = client.get("/callbacks", params={"q": "CB-ZZZZZZ"}).text
    assert "No request matches" in nothing and "<article" not in nothing
    # The audit log has the search, never what was searched for.
    audit = staff_app.login("admin").get("/admin/audit", params={"action": "view_callbacks"}).text
    assert "view_callbacks" in audit and reference not in audit


def test_one_coordinator_takes_a_request_and_logs_each_call_until_it_closes(staff_app, assistant):
    sender = ask_for_a_callback(assistant, "Robin Park", "619-555-0177")
    [row] = request_of(assistant.database_url, sender)
    reference, callback_id = row["reference"], row["id"]
    reviewer, admin = staff_app.login("reviewer"), staff_app.login("admin")

    page = reviewer.form(f"/callbacks/{callback_id}/take", {}).text
    assert f"You have taken {reference}." in flashes(page)
    assert "yours" in article(page, reference) and "Log call" in article(page, reference)
    # Someone else sees who has it, and can neither take it nor log a call on it.
    assert "reviewer has it" in article(admin.get("/callbacks").text, reference)
    assert f"{reference} was not taken: reviewer has it." in flashes(admin.form(f"/callbacks/{callback_id}/take", {}).text)
    refused = admin.form(f"/callbacks/{callback_id}/attempt", {"outcome": "no_answer"}).text
    assert f"Not recorded: {reference}: reviewer has it." in flashes(refused)
    assert reference not in reviewer.get("/callbacks", params={"view": "unassigned"}).text
    assert reference in reviewer.get("/callbacks", params={"view": "mine"}).text

    # A call with no answer: logged, with its note; the request stays open and taken.
    assert "Choose how the call went." in flashes(reviewer.form(f"/callbacks/{callback_id}/attempt", {"outcome": "maybe"}).text)
    page = reviewer.form(f"/callbacks/{callback_id}/attempt", {"outcome": "no_answer", "note": "rang 6 times <b>x</b>"}).text
    assert f"{reference}: No answer recorded." in flashes(page)
    entry = article(page, reference)
    assert "No answer" in entry and "rang 6 times &lt;b&gt;x&lt;/b&gt;" in entry
    assert request_of(assistant.database_url, sender)[0]["status"] == "new"

    # While it is open, the person changing their best time in the chat updates the same request.
    for message in ["can someone call me?", "Robin Park", "619-555-0177", "Evening", "Nothing to add", "/affirm", "/affirm"]:
        assistant.say(sender, message)
    rows = request_of(assistant.database_url, sender)
    assert [(r["reference"], r["best_time"]) for r in rows] == [(reference, "Evening")]

    # Reached, assessment booked: a final outcome closes it.
    page = reviewer.form(f"/callbacks/{callback_id}/attempt", {"outcome": "booked"}).text
    assert f"{reference}: Reached – assessment booked recorded, and the request is closed." in flashes(page)
    assert reference not in reviewer.get("/callbacks").text
    closed = article(reviewer.get("/callbacks", params={"view": "closed"}).text, reference)
    assert "closed: Reached – assessment booked" in closed and closed.count("<li>") == 2
    [row] = request_of(assistant.database_url, sender)
    assert (row["status"], row["outcome"], row["assigned_to"]) == ("closed", "booked", "reviewer")
    # Nothing more can be logged on a closed request, nor can it be taken.
    refused = reviewer.form(f"/callbacks/{callback_id}/attempt", {"outcome": "no_answer"}).text
    assert f"Not recorded: {reference}: it is closed." in flashes(refused)
    assert f"{reference} was not taken: it is closed." in flashes(admin.form(f"/callbacks/{callback_id}/take", {}).text)
    # The transcript shows the same request, closed, and offers no action on it.
    transcript = reviewer.get("/conversation", params={"id": sender}).text
    assert reference in transcript and "Log call" not in transcript and ">Take<" not in transcript


def test_a_request_taken_by_someone_who_went_home_can_be_given_back(staff_app, assistant):
    sender = ask_for_a_callback(assistant, "Casey Diaz", "619-555-0166")
    [row] = request_of(assistant.database_url, sender)
    reviewer, admin = staff_app.login("reviewer"), staff_app.login("admin")
    reviewer.form(f"/callbacks/{row['id']}/take", {})
    page = admin.form(f"/callbacks/{row['id']}/release", {}).text
    assert f"{row['reference']} is back in the queue for anyone to take." in flashes(page)
    assert "unassigned" in article(page, row["reference"])
    assert "You have taken" in flashes(admin.form(f"/callbacks/{row['id']}/take", {}).text)[0]
    # A reviewer can give back only their own.
    assert "isn't yours" in flashes(reviewer.form(f"/callbacks/{row['id']}/release", {}).text)[0]


def test_the_live_feed_brings_new_requests_without_a_reload(staff_app, assistant):
    client = staff_app.login("reviewer")
    before = client.get("/callbacks/live", params={"view": "open"}).json()
    sender = ask_for_a_callback(assistant, "Morgan Shaw", "619-555-0155", "afternoon")
    [row] = request_of(assistant.database_url, sender)
    after = client.get("/callbacks/live", params={"view": "open"}).json()
    assert row["id"] not in {r["id"] for r in before["rows"]}
    [new] = [r for r in after["rows"] if r["id"] == row["id"]]
    assert row["reference"] in new["html"] and "Morgan Shaw" in new["html"]
    assert after["counts"]["open"] == before["counts"]["open"] + 1
    assert 0 < after["idle_seconds_left"] <= 15 * 60
    # Not logged in: a plain 401 for the page's script, never the login form.
    anonymous = requests.get(staff_app.url + "/callbacks/live", allow_redirects=False)
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "session_ended"}


def test_the_live_feed_does_not_keep_an_idle_login_alive(staff_app, assistant, tmp_path):
    """With a 6-second idle limit, a page that only polls is logged out; one that is used is not."""
    app, process = start_staff_app(assistant.database_url, tmp_path / "staff.log", {"STAFF_IDLE_MINUTES": "0.1"})
    try:
        polling, working = app.client(), app.client()
        for client in (polling, working):
            assert "Log out" in client.login("reviewer", PASSWORDS["reviewer"]).text
        deadline = time.monotonic() + 30
        status = 200
        while status == 200 and time.monotonic() < deadline:
            time.sleep(1)
            status = polling.get("/callbacks/live").status_code
            assert working.get("/callbacks").status_code == 200 and "/login" not in working.get("/callbacks").url
        assert status == 401, "the poll alone must not keep the session"
        assert "/login" in polling.get("/callbacks").url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_live_feed_sends_a_row_again_only_when_it_changed(staff_app, assistant):
    sender = ask_for_a_callback(assistant, "Avery Stone", "619-555-0133")
    [row] = request_of(assistant.database_url, sender)
    client = staff_app.login("reviewer")
    first = client.get("/callbacks/live").json()
    have = ",".join(f"{r['id']}:{r['version']}" for r in first["rows"])
    quiet = client.get("/callbacks/live", params={"have": have}).json()
    assert [r["id"] for r in quiet["rows"]] == [r["id"] for r in first["rows"]]
    versions = dict(pair.split(":") for pair in have.split(","))
    # Nothing changed, so no HTML is resent: only a row whose waiting time ticked over a minute
    # between the two requests comes back whole.
    assert all(("html" in r) == (versions[str(r["id"])] != r["version"]) for r in quiet["rows"])
    client.form(f"/callbacks/{row['id']}/take", {})
    changed = client.get("/callbacks/live", params={"have": have}).json()
    [taken] = [r for r in changed["rows"] if r["id"] == row["id"]]
    assert "yours" in taken["html"]
    # The others come back without HTML unless they changed meanwhile (a minute more of waiting, say).
    assert all(("html" in r) == (versions[str(r["id"])] != r["version"]) for r in changed["rows"] if r["id"] != row["id"])


@pytest.mark.parametrize("typed, finds", [("%\x00%", False), ("\x00\x00", None), ("Jordan\x00", True), ("\u202eJordan", True)])
def test_control_characters_in_a_search_match_nothing_extra_and_break_nothing(staff_app, request_row, typed, finds):
    """SQLite cuts a LIKE pattern at a NUL (so "%\x00%" matched every request) and PostgreSQL refuses
    one (a 500): control characters are dropped from what is searched for."""
    client = staff_app.login("reviewer")
    for path in ("/callbacks", "/search", "/conversations", "/callbacks/live"):
        response = client.get(path, params={"q": typed})
        assert response.status_code == 200, (path, response.status_code)
    found = client.get("/callbacks", params={"q": typed}).text
    if finds is None:  # nothing left to search for: the queue as it is
        assert "No request matches" not in found and 'value=""' in found
    else:
        assert (request_row["reference"] in found) == finds
        assert finds or ("No request matches" in found and "<article" not in found)


def test_a_queue_longer_than_a_page_says_so(assistant, staff_app, tmp_path):
    """More open requests than a page lists: the page says so, and the counts are whole."""
    from storage.callbacks import CallbackRequest, save_request
    from staff_review.callback_queue import LIST_LIMIT

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    subprocess.run([sys.executable, "-m", "storage.migrate"], cwd=ROOT, check=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url})
    for index in range(LIST_LIMIT + 3):
        save_request(CallbackRequest(f"busy-{index}", "Sam Lee", "+16195550100", "any time", True), url=url)
    result = run_cli(url, "create", "--role", "reviewer", "reviewer", "--password-stdin", stdin=PASSWORDS["reviewer"] + "\n")
    assert result.returncode == 0, result.stderr
    app, process = start_staff_app(url, tmp_path / "busy.log")
    try:
        client = app.login("reviewer")
        page = client.get("/callbacks").text
        assert page.count('<article class="request') == LIST_LIMIT
        assert f'data-count="open">{LIST_LIMIT + 3}<' in page
        # All of them are due at any time of the day: counted whole, not up to the page's limit.
        due = int(re.search(r'data-count="due">(\d+)<', page).group(1))
        assert due in (0, LIST_LIMIT + 3), due
        assert f"This view has more than {LIST_LIMIT} requests" in page and 'class="cut-notice" hidden' not in page
        assert client.get("/callbacks/live").json()["cut"] is True
        assert 'class="cut-notice" hidden' in client.get("/callbacks", params={"view": "mine"}).text
    finally:
        process.terminate()
        process.wait(timeout=20)
