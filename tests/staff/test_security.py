"""Security of the staff app, against the real server: login everywhere, CSRF, escaping,
harmless search input, cookie flags, rate limits, roles, idle logoff, open redirects,
proxy headers, and no health information in logs, even when the database fails."""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import urllib.request
import uuid
from html import unescape

import pytest

from staff_review import create_app
from tests.servers import free_port
from tests.staff.conftest import EMAIL, NAME, PASSWORDS, PHONE, XSS, path_of, run_cli, sqlite_file, start_staff_app


def every_route():
    """(method, path) for every route of the app, with placeholder arguments."""
    values = {"callback_id": "1", "correction_id": "1", "username": "someone", "filename": "style.css", "alert_id": "1",
              "handoff_id": "1"}
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
        if path == "/login" or (method, path) == ("POST", "/login/code"):
            continue  # the login steps themselves (a code posted without a password first: CSRF refuses it, 400)
        response = client.request(method, path, allow_redirects=False, data={})
        if path in ("/callbacks/live", "/handoffs/1/live"):  # the pages' own polls: a 401 their scripts explain
            assert response.status_code == 401 and response.json() == {"error": "session_ended"}
            continue
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
    path = path_of(conversations.plain, "review")
    assert client.form(path, {"reviewed": "1"}, csrf=False).status_code == 400
    assert client.post(path, data={"reviewed": "1", "csrf_token": "forged"}).status_code == 400
    other = staff_app.login("admin")  # another session's token is no good either
    assert client.post(path, data={"reviewed": "1", "csrf_token": other.csrf}).status_code == 400
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        assert db.execute("SELECT count(*) FROM staff_reviews WHERE conversation_id = ?",
                          (conversations.plain,)).fetchone()[0] == 0
    # Even logging in needs the token.
    fresh = staff_app.client()
    fresh.get("/login")
    assert fresh.form("/login", {"username": "admin", "password": PASSWORDS["admin"]}, csrf=False).status_code == 400


def test_script_in_a_message_is_shown_as_text(staff_app, conversations):
    client = staff_app.login("reviewer")
    page = client.get(path_of(conversations.xss)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert XSS not in page
    policy = client.get("/conversations").headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy  # the app's own files only, never inline
    search = client.get("/conversations", params={"q": "<script>"}).text
    assert conversations.xss in search and XSS not in search


@pytest.mark.parametrize("query", [
    "' OR 1=1 --", "'; DROP TABLE events; --", "%", "_", "\\", "\" OR \"\"=\"", "1) UNION SELECT password_hash FROM staff_users --",
])
def test_sql_in_the_search_box_is_harmless(staff_app, assistant, conversations, query):
    client = staff_app.login("reviewer")
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        before = db.execute("SELECT count(*) FROM events").fetchone()[0]
        # Who really wrote the query's text (other test modules share this database and
        # send such strings on purpose): the search must list those and nobody else.
        wrote = {
            sender for sender, data in db.execute("SELECT sender_id, data FROM events WHERE type_name = 'user'")
            if query.lower() in (json.loads(data).get("text") or "").lower()
        }
    response = client.get("/conversations", params={"q": query})
    assert response.status_code == 200
    listed = {unescape(cid) for cid in re.findall(r'<a href="/conversation\?id=[^"]*" class="conversation-id">([^<]*)</a>',
                                                   response.text)}
    assert listed <= wrote, "the query was read as SQL or as a wildcard"
    assert bool(listed) == bool(wrote)
    if not wrote:
        assert "No conversations match." in response.text
    assert "argon2" not in response.text
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
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


def new_account(assistant, password: str) -> str:
    username = f"u{uuid.uuid4().hex[:10]}"
    assert run_cli(assistant.database_url, "create", username, "--password-stdin", stdin=password + "\n").returncode == 0
    return username


def test_failed_logins_slow_down_the_next_attempt_and_never_lock_it(staff_app, assistant):
    username = new_account(assistant, "limited-password-1")
    client = staff_app.client()
    for _ in range(4):  # three free, then a wait of 2 s after the fourth
        assert client.login(username, "not the password").status_code == 401
    slowed = client.login(username, "limited-password-1")
    assert slowed.status_code == 429 and "wait 2 seconds" in slowed.text and slowed.headers["Retry-After"] == "2"
    time.sleep(2.2)
    assert client.login(username, "not the password").status_code == 401  # the fifth: 4 s now
    slowed = client.login(username, "limited-password-1")
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) in (4, 3)
    time.sleep(int(slowed.headers["Retry-After"]) + 0.3)
    assert "Log out" in client.login(username, "limited-password-1").text, "the right password still works"


def test_forty_parallel_bad_logins_cant_exceed_the_limit_or_lock_out_the_owner(staff_app, assistant, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor
    from unittest import mock

    username = new_account(assistant, "owner-password-1")
    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    app = create_app({"SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})

    def attempt(address):
        data = {"username": username, "password": "guess"}
        return app.test_client().post("/login", data=data, environ_base={"REMOTE_ADDR": address}).status_code

    # An attacker's address (in-process, so that it isn't the loopback the other tests log in from).
    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(attempt, ["203.0.113.66"] * 40))
    checked = statuses.count(401)
    assert checked <= 4 and statuses.count(429) == 40 - checked, statuses  # three free, and the one that started the wait
    # The owner, at another address: held back for 30 seconds at most.
    login = {"username": username, "password": "owner-password-1"}
    first = app.test_client().post("/login", data=login, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert first.status_code == 302 or (first.status_code == 429 and int(first.headers["Retry-After"]) <= 30)
    with mock.patch("staff_review.auth.time.time", return_value=time.time() + 31):
        later = app.test_client().post("/login", data=login, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert later.status_code == 302, "half a minute at most"


def test_a_mistyped_username_is_not_stored(staff_app, assistant):
    pasted = "correct-horse-battery-" + uuid.uuid4().hex[:8]  # a password in the username box
    staff_app.client().login(pasted, "whatever")
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        stored = db.execute("SELECT username FROM staff_login_attempts").fetchall()
        audited = db.execute("SELECT username, detail FROM staff_audit_log WHERE action = 'login_failed'").fetchall()
    assert pasted not in json.dumps(stored) and pasted not in json.dumps(audited)
    assert ("(unknown account)", None) in audited


def test_a_login_lasts_a_working_day_at_most(assistant, monkeypatch):
    from unittest import mock

    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    client = _logged_in_test_client({})
    assert client.get("/callbacks").status_code == 200
    with mock.patch("staff_review.auth.time.time", return_value=time.time() + 12 * 3600 + 60):
        response = client.get("/callbacks")
    assert response.status_code == 302 and "expired=day" in response.headers["Location"]
    assert "a working day at most" in client.get(response.headers["Location"]).text


def test_reviewers_cannot_reach_admin_pages(staff_app, assistant):
    reviewer = staff_app.login("reviewer")
    admin_routes = [(method, path) for method, path in ROUTES if path.startswith("/admin")]
    assert len(admin_routes) >= 4
    attempts = {"username": "sneaky", "password": "x" * 20, "role": "admin", "change": "role"}
    for method, path in admin_routes:
        path = path.replace("/someone", "/reviewer")  # the reviewer tries to make itself admin
        response = reviewer.request(method, path, data={**attempts, "csrf_token": reviewer.csrf}, allow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
    for change in ("role", "disable", "password"):
        assert reviewer.form("/admin/users/admin", {**attempts, "change": change}).status_code == 403
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        assert db.execute("SELECT role FROM staff_users WHERE username = 'reviewer'").fetchone()[0] == "reviewer"
        assert db.execute("SELECT active FROM staff_users WHERE username = 'admin'").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM staff_users WHERE username = 'sneaky'").fetchone()[0] == 0
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


def _logged_in_test_client(config):
    client = create_app({"SECRET_KEY": "x", **config}).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "reviewer", "password": PASSWORDS["reviewer"], "csrf_token": token})
    return client


def test_idle_sessions_end_and_activity_keeps_them(assistant, monkeypatch):
    """15 idle minutes in production; one second here (the same code path)."""
    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    client = _logged_in_test_client({"IDLE_SECONDS": 1})
    started = time.monotonic()
    while time.monotonic() - started < 2.5:  # well past the idle limit, active all along
        assert client.get("/callbacks").status_code == 200, "activity keeps the session alive"
        time.sleep(0.3)
    time.sleep(1.6)
    response = client.get("/callbacks")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "minutes without activity" in client.get(response.headers["Location"]).text


def test_reading_pages_does_not_write_the_session_each_time(assistant, monkeypatch):
    """SQLite is shared with Rasa: a GET touches the session row at most every 15 seconds."""
    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    client = _logged_in_test_client({})
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        newest = "SELECT last_seen_at, created_at FROM staff_sessions ORDER BY created_at DESC LIMIT 1"
        seen, created = db.execute(newest).fetchone()
        assert seen == created
        time.sleep(1.1)
        for _ in range(3):
            assert client.get("/callbacks").status_code == 200
        assert db.execute(newest).fetchone()[0] == seen


HOSTILE_NEXT = [
    "/\\evil.com", "//evil.com", "/\\/evil.com", "https://evil.com", "/\tevil.com", "/a\\b", "/a\nb", "/\revil.com",
    " /x", "/ /evil.com", "javascript:alert(1)", "/\x00evil", "\\\\evil.com", "/\x7f",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_no_open_redirect_after_login(target):
    from staff_review.auth import _safe_next

    with create_app({"SECRET_KEY": "x"}).test_request_context():
        assert _safe_next(target) == "/conversations"


def test_local_paths_are_kept_after_login():
    from staff_review.auth import _safe_next

    with create_app({"SECRET_KEY": "x"}).test_request_context():
        for target in ("/conversations?flag=crisis", "/conversation?id=a%2Fb", "/dashboard", "/"):
            assert _safe_next(target) == target
        assert _safe_next(None) == _safe_next("") == "/conversations"


def test_login_with_a_hostile_next_stays_on_the_site(staff_app):
    client = staff_app.client()
    client.get("/login")
    response = client.form("/login", {"username": "reviewer", "password": PASSWORDS["reviewer"], "next": "/\\evil.com"},
                           allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "/conversations"


def test_behind_the_trusted_proxy_the_client_address_counts():
    """Waitress with the app's proxy settings: X-Forwarded-For from the proxy gives the address."""
    from waitress.server import create_server

    from staff_review.__main__ import proxy_options

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']} {environ.get('HTTP_HOST')}".encode()]

    assert proxy_options(None) == {} and proxy_options("") == {}
    server = create_server(app, host="127.0.0.1", port=free_port(), **proxy_options("127.0.0.1"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{server.effective_port}/", headers={
            "X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "staff.example.org"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.read().decode() == "203.0.113.9 https staff.example.org"
    finally:
        server.close()


def test_the_app_listens_on_loopback_port_8001_by_default(monkeypatch):
    from staff_review.__main__ import parse_args

    monkeypatch.delenv("STAFF_HOST", raising=False)
    monkeypatch.delenv("STAFF_PORT", raising=False)
    args = parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8001)


def test_no_message_text_or_names_in_the_app_log(staff_app, conversations):
    client = staff_app.login("admin")
    client.get(path_of(conversations.callback))
    client.get("/conversations", params={"q": "Rivera"})
    client.get(path_of(conversations.callback, "export"), params={"format": "csv"})
    client.get("/callbacks", params={"view": "all"})
    client.get("/callbacks", params={"q": "Rivera"})
    client.get("/search", params={"q": "619.555.0123"})
    client.form(path_of(conversations.callback, "notes"), {"body": f"{NAME} asked us to call {PHONE}"})
    text = staff_app.log.read_text()
    assert "Staff review app on http://" in text, "this is the app's log"
    for secret in ("Rivera", "555-0123", "5550123", "555.0123", "pills", EMAIL):
        assert secret not in text, secret


def test_a_database_error_logs_no_parameters(assistant, tmp_path):
    """A write that fails (the database locked by another process, as Rasa can hold it) is
    logged with its SQL and without its parameters: the note's name and number stay out."""
    copy = tmp_path / "locked.db"
    with sqlite3.connect(sqlite_file(assistant.database_url)) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    log = tmp_path / "staff.log"
    app, process = start_staff_app(f"sqlite:///{copy}?timeout=0.5", log)
    try:
        client = app.login("reviewer")
        conversation = client.get("/conversations").text
        assert "Log out" in conversation
        sender = unescape(re.search(r'<a href="/conversation\?id=[^"]*" class="conversation-id">([^<]*)</a>', conversation).group(1))
        client.get(path_of(sender))
        with sqlite3.connect(copy, isolation_level=None) as locker:
            locker.execute("BEGIN IMMEDIATE")  # another process writing
            try:
                failed = client.form(path_of(sender, "notes"), {"body": f"{NAME} at {PHONE}, {EMAIL} {uuid.uuid4()}"})
            finally:
                locker.execute("ROLLBACK")
        assert failed.status_code == 500
        text = log.read_text()
        assert "database is locked" in text and "INSERT INTO staff_notes" in text, "the error was logged"
        for secret in ("Rivera", "555-0123", EMAIL):
            assert secret not in text, secret
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_admin_turns_two_factor_off_for_someone_who_lost_their_phone(staff_app, assistant, monkeypatch):
    import pyotp

    from staff_review import two_factor

    monkeypatch.setenv("DATABASE_URL", assistant.database_url)
    username = new_account(assistant, "lost-phone-password-1")
    with sqlite3.connect(sqlite_file(assistant.database_url)) as db:
        user_id = db.execute("SELECT id FROM staff_users WHERE username = ?", (username,)).fetchone()[0]
    secret = two_factor.new_secret()
    assert two_factor.enable(user_id, secret, pyotp.TOTP(secret).now())
    client = staff_app.client()
    assert client.login(username, "lost-phone-password-1").url.endswith("/login/code"), "a code is asked for"
    admin = staff_app.login("admin")
    assert username in admin.get("/admin/users").text
    admin.form(f"/admin/users/{username}", {"change": "two_factor_off"})
    assert "Log out" in staff_app.client().login(username, "lost-phone-password-1").text, "password only again"
    log = admin.get("/admin/audit", params={"action": "user_update"}).text
    assert f"{username}: two_factor_off" in log


def test_a_code_posted_without_the_password_step_opens_nothing(staff_app):
    client = staff_app.client()
    client.get("/login")
    response = client.form("/login/code", {"code": "123456"}, allow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/login")
