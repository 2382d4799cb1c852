"""Logging in and out, login sessions, idle logoff, login rate limits and roles.

The session cookie (Flask's signed cookie, HttpOnly, SameSite=Strict, Secure
over HTTPS) carries only a random token and the CSRF secret; the token's hash
names a row in staff_sessions. Every request checks that row, so a session
ends for real at logout, when the user is disabled or gets a new password,
or after IDLE_SECONDS without a request (15 minutes).

Rate limits count failed logins in the database (so they hold across app
processes and restarts): 5 per username or 20 per address in 15 minutes,
after which even the right password is refused until the window passes.
Behind the trusted proxy (STAFF_TRUSTED_PROXY) the address is the client's,
from X-Forwarded-For, not the proxy's.

A session's last_seen_at is written at most every TOUCH_EVERY_SECONDS (or a
tenth of the idle limit, if that is shorter), so browsing does not write to
the database, which Rasa's tracker store shares, on every request.
"""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
import time
from typing import Optional

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for

from staff_review import audit, db
from staff_review.users import authenticate

bp = Blueprint("auth", __name__)

RATE_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
TOUCH_EVERY_SECONDS = 15  # last_seen_at is written at most this often per session
OPEN_ENDPOINTS = {"auth.login", "static"}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _blocked(username: str, address: str, now: float) -> bool:
    since = now - RATE_WINDOW_SECONDS
    a = db.login_attempts
    failures = sa.select(sa.func.count()).select_from(a).where(a.c.at >= since)
    with db.engine().connect() as connection:
        by_user = connection.execute(failures.where(a.c.username == username)).scalar()
        by_address = connection.execute(failures.where(a.c.remote_addr == address)).scalar()
    return by_user >= MAX_FAILURES_PER_USER or by_address >= MAX_FAILURES_PER_ADDRESS


def _note_failure(username: str, address: str, now: float) -> None:
    with db.engine().begin() as connection:
        connection.execute(db.login_attempts.insert().values(username=username[:64], remote_addr=address[:64], at=now))
        # Keep the table small: nothing older than the window matters.
        connection.execute(db.login_attempts.delete().where(db.login_attempts.c.at < now - 2 * RATE_WINDOW_SECONDS))


# A path on this site: one "/", then neither "/" nor "\\" (browsers read "//host" and "/\\host"
# as another host). No backslash and no control character anywhere, nor a space.
_SAFE_NEXT = re.compile(r"/(?![/\\])[^\\\x00-\x20\x7f]*\Z")


def _safe_next(target: Optional[str]) -> str:
    """Only a path on this site (no scheme, no host) may follow a login."""
    if target and _SAFE_NEXT.match(target):
        return target
    return url_for("conversations.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.get("user"):
            return redirect(url_for("conversations.index"))
        return render_template("login.html", next=request.args.get("next", ""), expired=request.args.get("expired"))
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    address = request.remote_addr or "-"
    now = time.time()
    if _blocked(username, address, now):
        audit.record("login_blocked", username=username[:64] or "-")
        return render_template(
            "login.html", next=request.form.get("next", ""),
            error="Too many failed attempts. Wait 15 minutes, or ask an admin.",
        ), 429
    user = authenticate(username, password) if username and password else None
    if user is None:
        _note_failure(username, address, now)
        audit.record("login_failed", username=username[:64] or "-")
        return render_template("login.html", next=request.form.get("next", ""),
                               error="Wrong username or password."), 401
    token = secrets.token_urlsafe(32)
    with db.engine().begin() as connection:
        connection.execute(db.sessions.insert().values(token_hash=_token_hash(token), user_id=user.id,
                                                       created_at=now, last_seen_at=now))
    session.clear()  # a fresh session (and CSRF secret) at every login
    session["token"] = token
    g.user = user
    audit.record("login")
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    token = session.get("token")
    if token:
        with db.engine().begin() as connection:
            connection.execute(db.sessions.delete().where(db.sessions.c.token_hash == _token_hash(token)))
        audit.record("logout")
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


def load_user() -> None:
    """before_request: find the logged-in user, end idle sessions, send everyone else to the login page."""
    g.user = None
    token = session.get("token")
    now = time.time()
    if token:
        idle = current_app.config["IDLE_SECONDS"]
        with db.engine().begin() as connection:
            row = connection.execute(
                sa.select(
                    db.sessions.c.token_hash, db.sessions.c.last_seen_at,
                    db.users.c.id, db.users.c.username, db.users.c.role, db.users.c.active,
                )
                .select_from(db.sessions)
                .join(db.users, db.users.c.id == db.sessions.c.user_id)
                .where(db.sessions.c.token_hash == _token_hash(token))
            ).first()
            if row is None or not row.active or now - row.last_seen_at > idle:
                if row is not None:
                    connection.execute(db.sessions.delete().where(db.sessions.c.token_hash == row.token_hash))
                session.clear()
                if request.endpoint not in OPEN_ENDPOINTS:
                    return redirect(url_for("auth.login", expired=1, next=request.full_path.rstrip("?")))
            else:
                if now - row.last_seen_at > min(TOUCH_EVERY_SECONDS, idle / 10):
                    connection.execute(
                        db.sessions.update().where(db.sessions.c.token_hash == row.token_hash).values(last_seen_at=now)
                    )
                g.user = row
    if g.user is None and request.endpoint not in OPEN_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))
    return None


def admin_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped
