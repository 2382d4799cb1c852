"""Fixtures for the staff review app: a database filled by real conversations with the
assistant (tests/conftest.py's `assistant`), and the app as a real server on loopback.

The conversations are held by the assistant; the app reads them from the
same database, exactly as in production. Accounts are made with the
app's own command line.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from html.parser import HTMLParser
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote

import pytest
import requests

from scripts.serve import wait_until_up
from tests.servers import ROOT, free_port

PASSWORDS = {"admin": "admin-" + secrets.token_hex(8), "reviewer": "reviewer-" + secrets.token_hex(8)}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
XSS = "<script>alert(1)</script>"
NAME, PHONE, EMAIL = "Sam Rivera", "(619) 555-0123", "sam.rivera@example.com"
MISUNDERSTOOD = "blorp zibble quux vrrm"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: List[Tuple[str, Dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_in(html: str) -> List[Tuple[str, Dict[str, str]]]:
    """Every start tag in a piece of HTML, with its attributes, as a browser's parser reads them."""
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def path_of(conversation_id: str, action: str = "") -> str:
    """The app's URL of a conversation's transcript, or of an action on it (review, tags, notes, corrections, export)."""
    return "/conversation" + (f"/{action}" if action else "") + "?id=" + quote(conversation_id, safe="")


def sqlite_file(database_url: str) -> str:
    return database_url.replace("sqlite:///", "").split("?")[0]


def run_cli(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "staff_review.users", *args], input=stdin, cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}, timeout=60,
    )


@dataclass
class Conversations:
    plain: str
    xss: str
    crisis: str
    callback: str  # a callback request, then a crisis
    misunderstood: str
    walkthrough: str  # the same, for the browser test's own callback


@pytest.fixture(scope="session")
def conversations(assistant) -> Conversations:
    """Real conversations with the bot, through its REST channel."""
    run = uuid.uuid4().hex[:8]
    found = Conversations(*(f"staff-{kind}-{run}" for kind in ("plain", "xss", "crisis", "callback", "misunderstood", "walkthrough")))
    for sender, messages in {
        found.plain: ["what is IOP?", "how many days a week is that?"],
        found.xss: ["hello", XSS],
        found.crisis: ["hi", "my friend took a bunch of pills and won't wake up"],
        found.callback: [
            "can someone from your team call me?", NAME, PHONE, "Evening", f"please email me at {EMAIL} first",
            "/affirm", "/affirm", "i don't want to be alive anymore",
        ],
        found.misunderstood: [MISUNDERSTOOD],
        found.walkthrough: [
            "please call me", "Alex Moreno", "619-555-0188", "Morning", "Nothing to add", "/affirm", "/affirm",
            "I want to kill myself",
        ],
    }.items():
        for message in messages:
            assistant.say(sender, message)
    return found


@pytest.fixture(scope="session")
def staff_app(assistant, conversations, tmp_path_factory):
    """The staff app as a real server (waitress) on a free loopback port; the base URL."""
    for role, password in PASSWORDS.items():
        result = run_cli(assistant.database_url, "create", "--role", role, role, "--password-stdin", stdin=password + "\n")
        assert result.returncode == 0 or "already" in result.stderr, result.stderr
    app, process = start_staff_app(assistant.database_url, tmp_path_factory.mktemp("staff") / "staff.log")
    yield app
    process.terminate()
    process.wait(timeout=20)


def start_staff_app(database_url: str, log: Path, extra_env: Optional[Dict[str, str]] = None):
    """`python -m staff_review` on a free loopback port, its output in `log`: (StaffApp, process)."""
    port = free_port()
    key = secrets.token_urlsafe(32)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "STAFF_SECRET_KEY": key, **(extra_env or {})}
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "staff_review", "--port", str(port), "--no-bootstrap"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/login", process, 60)
    except RuntimeError:
        process.kill()
        raise RuntimeError(log.read_text()[-3000:]) from None
    return StaffApp(url, log, key), process


@dataclass
class StaffApp:
    url: str
    log: Path
    secret_key: str

    def client(self) -> "Client":
        return Client(self.url)

    def login(self, role: str) -> "Client":
        client = self.client()
        response = client.login(role, PASSWORDS[role])
        assert response.status_code == 200 and "Log out" in response.text, response.status_code
        return client


class Client(requests.Session):
    """A browser-like session: follows redirects, keeps cookies, fills in the CSRF token."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.csrf = ""

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, self.base + url if url.startswith("/") else url, *args, **kwargs)
        token = CSRF.search(response.text) if "text/html" in response.headers.get("Content-Type", "") else None
        if token:
            self.csrf = token.group(1)
        return response

    def form(self, url: str, data: Dict[str, str], csrf: bool = True, **kwargs):
        return self.post(url, data={**data, **({"csrf_token": self.csrf} if csrf else {})}, **kwargs)

    def login(self, username: str, password: str):
        self.get("/login")
        return self.form("/login", {"username": username, "password": password})
