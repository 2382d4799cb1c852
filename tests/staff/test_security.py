"""Security of the staff app, against the real server: login everywhere, CSRF, escaping,
harmless search input, cookie flags, rate limits, roles, idle logoff."""
from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest

from staff_review import create_app
from tests.staff.conftest import PASSWORDS, XSS, run_cli


def every_route():
    """(method, path) for every route of the app, with placeholder arguments."""
    values = {"conversation_id": "anything", "callback_id": "1", "correction_id": "1", "username": "someone",
              "filename": "style.css"}
    app = create_app({"SECRET_KEY": "x"})
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{argument}>", values[argument], path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


ROUTES = list(every_route())


def test_every_page_needs_login(staff_app):
    client = staff_app.client()
    for method, path in ROUTES:
        if path == "/login":
            continue
        response = client.request(method, path, allow_redirects=False, data={})
        assert response.status_code in (302, 303), (method, path, response.status_code)
        assert "/login" in response.headers["Location"], (method, path)
    assert len(ROUTES) > 15


def test_login_page_and_wrong_password(staff_app):
    client = staff_app.client()
    assert "Staff log in" in client.get("/login").text
    response = client.login("admin", "wrong password!!")
    assert response.status_code == 401 and "Wrong username or password" in response.text
    assert client.get("/conversations", allow_redirects=False).status_code == 302


def test_csrf_tokens_are_enforced(staff_app, conversations, assistant):
    client = staff_app.login("reviewer")
    path = f"/conversations/{conversations.plain}/review"
    assert client.form(path, {"reviewed": "1"}, csrf=False).status_code == 400
    assert client.post(path, data={"reviewed": "1", "csrf_token": "forged"}).status_code == 400
    other = staff_app.login("admin")  # another session's token is no good either
    assert client.post(path, data={"reviewed": "1", "csrf_token": other.csrf}).status_code == 400
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        assert db.execute("SELECT count(*) FROM staff_reviews WHERE conversation_id = ?",
                          (conversations.plain,)).fetchone()[0] == 0
    # Even logging in needs the token.
    fresh = staff_app.client()
    fresh.get("/login")
    assert fresh.form("/login", {"username": "admin", "password": PASSWORDS["admin"]}, csrf=False).status_code == 400


def test_script_in_a_message_is_shown_as_text(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get(f"/conversations/{conversations.xss}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert XSS not in page
    assert "script-src" not in client.get("/conversations").headers["Content-Security-Policy"]  # default-src 'none'
    search = client.get("/conversations", params={"q": "<script>"}).text
    assert conversations.xss in search and XSS not in search


@pytest.mark.parametrize("query", [
    "' OR 1=1 --", "'; DROP TABLE events; --", "%", "_", "\\", "\" OR \"\"=\"", "1) UNION SELECT password_hash FROM staff_users --",
])
def test_sql_in_the_search_box_is_harmless(staff_app, assistant, conversations, query):
    client = staff_app.login("reviewer")
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        before = db.execute("SELECT count(*) FROM events").fetchone()[0]
        # Who really wrote the query's text (other test modules share this database and
        # send such strings on purpose): the search must list those and nobody else.
        wrote = {
            sender for sender, data in db.execute("SELECT sender_id, data FROM events WHERE type_name = 'user'")
            if query.lower() in (json.loads(data).get("text") or "").lower()
        }
    response = client.get("/conversations", params={"q": query})
    assert response.status_code == 200
    listed = set(re.findall(r'href="/conversations/([^"/?#]+)"', response.text))
    assert listed <= wrote, "the query was read as SQL or as a wildcard"
    assert bool(listed) == bool(wrote)
    if not wrote:
        assert "No conversations match." in response.text
    assert "argon2" not in response.text
    with sqlite3.connect(assistant.database_url.replace("sqlite:///", "")) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] >= before


def test_search_finds_what_people_wrote(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get("/conversations", params={"q": "BUNCH OF PILLS"}).text
    assert conversations.crisis in page and conversations.plain not in page


def test_session_cookie_flags(staff_app):
    client = staff_app.client()
    client.get("/login")
    response = client.form("/login", {"username": "reviewer", "password": PASSWORDS["reviewer"]}, allow_redirects=False)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback


def test_cookie_is_secure_over_https(assistant, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    app = create_app({"SECRET_KEY": "x"})
    client = app.test_client()
    page = client.get("/login", base_url="https://staff.example").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", base_url="https://staff.example", headers={"Referer": "https://staff.example/login"},
                           data={"username": "reviewer", "password": PASSWORDS["reviewer"], "csrf_token": token})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    # The page policy lets the browser send that Referer (same origin only).
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_logins_are_rate_limited(staff_app, assistant):
    assert run_cli(assistant.database_url, "create", "limited", "--password-stdin",
                   stdin="limited-password-1\n").returncode == 0
    client = staff_app.client()
    for _ in range(5):
        assert client.login("limited", "not the password").status_code == 401
    blocked = client.login("limited", "limited-password-1")
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text


def test_reviewers_cannot_reach_admin_pages(staff_app):
    reviewer = staff_app.login("reviewer")
    assert reviewer.get("/admin/users").status_code == 403
    assert reviewer.get("/admin/audit").status_code == 403
    assert reviewer.form("/admin/users", {"username": "sneaky", "password": "x" * 20, "role": "admin"}).status_code == 403
    assert "Users" not in reviewer.get("/dashboard").text.split("<main>")[0]


def test_admins_manage_users(staff_app):
    admin = staff_app.login("admin")
    admin.get("/admin/users")
    assert "Created newcomer" in admin.form("/admin/users", {"username": "newcomer", "password": "n" * 14, "role": "reviewer"}).text
    assert "at least 12" in admin.form("/admin/users", {"username": "shorty", "password": "short", "role": "reviewer"}).text
    newcomer = staff_app.client()
    assert newcomer.login("newcomer", "n" * 14).status_code == 200
    admin.form("/admin/users/newcomer", {"change": "disable"})
    assert newcomer.get("/conversations", allow_redirects=False).status_code == 302  # the session ended at once


def test_logout_ends_the_session(staff_app):
    client = staff_app.login("reviewer")
    client.get("/conversations")
    assert "logged out" in client.form("/logout", {}).text
    assert client.get("/conversations", allow_redirects=False).status_code == 302


def test_idle_sessions_end(assistant, monkeypatch):
    """15 idle minutes in production; one second here (the same code path)."""
    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    client = create_app({"SECRET_KEY": "x", "IDLE_SECONDS": 1}).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "reviewer", "password": PASSWORDS["reviewer"], "csrf_token": token})
    assert client.get("/dashboard").status_code == 200
    time.sleep(2.2)
    response = client.get("/dashboard")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "15 idle minutes" in client.get(response.headers["Location"]).text


def test_the_app_listens_on_loopback_port_8001_by_default(monkeypatch):
    from staff_review.__main__ import parse_args

    monkeypatch.delenv("STAFF_HOST", raising=False)
    monkeypatch.delenv("STAFF_PORT", raising=False)
    args = parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8001)


def test_no_message_text_or_names_in_the_app_log(staff_app, conversations):
    client = staff_app.login("admin")
    client.get(f"/conversations/{conversations.callback}")
    client.get("/conversations", params={"q": "Rivera"})
    text = staff_app.log.read_text()
    assert "Rivera" not in text and "555-0123" not in text and "pills" not in text
