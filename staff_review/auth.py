"""Logging in and out, login sessions, idle logoff, login rate limits and roles.

The session cookie (Flask's signed cookie, HttpOnly, SameSite=Strict, Secure
over HTTPS) carries only a random token and the CSRF secret; the token's hash
names a row in staff_sessions. Every request checks that row, so a session
ends for real at logout, when the user is disabled or gets a new password,
after IDLE_SECONDS without a request (15 minutes), or SESSION_SECONDS after
the login however active (12 hours).

Failed logins slow the next attempt down instead of locking the account,
so nobody can lock staff out by failing on purpose. Each failure is counted
in the database (across app processes and restarts) per account and
address pair, per account from anywhere, and per address; past a few free
failures each scope asks for a wait that doubles with every further failure
(`throttle`): at most a minute for the pair, 30 seconds for the account
and for the address, so failing on purpose can't keep the real person out
for long, while a guesser gets one or two tries a minute.
An attempt is recorded before it is judged, so parallel attempts see each
other and can't get past the count together. A username that names no
account is kept only as a keyed hash. Behind the trusted proxy
(STAFF_TRUSTED_PROXY) the address is the client's, from X-Forwarded-For, not
the proxy's.

A session also ends SESSION_HOURS (12) after its login, however active.

A session's last_seen_at is written at most every TOUCH_EVERY_SECONDS (or a
tenth of the idle limit, if that is shorter), so browsing does not write to
the database, which Rasa's tracker store shares, on every request.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for

from staff_review import audit, db, two_factor
from staff_review.users import authenticate, exists

bp = Blueprint("auth", __name__)

RATE_WINDOW_SECONDS = 15 * 60  # failures older than this no longer count
TOUCH_EVERY_SECONDS = 15  # last_seen_at is written at most this often per session
OPEN_ENDPOINTS = {"auth.login", "auth.login_code", "static"}
# Requests a page makes by itself (the live queue's poll): they don't count as activity, so a
# screen left open still logs out when idle, and they get a 401 instead of the login page.
PASSIVE_ENDPOINTS = {"callbacks.live", "handoffs.live"}
PENDING_SECONDS = 5 * 60  # between the right password and the code


@dataclass(frozen=True)
class Scope:
    """Failures counted one way: how many are free, and the longest wait after them."""

    free: int
    longest_wait: float


# Every wait is short enough that failing on purpose can't keep staff out for
# long, even behind one shared address (a clinic's router, a proxy that is not
# configured as trusted); the doubling still caps a guesser at one or two
# tries a minute.
PAIR = Scope(free=3, longest_wait=60)  # this account, from this address
ACCOUNT = Scope(free=5, longest_wait=30)  # this account, from anywhere
ADDRESS = Scope(free=20, longest_wait=30)  # any account, from this address


def wait_after(failures: int, scope: Scope) -> float:
    """Seconds to wait after the last of `failures`: none while free, then 2, 4, 8 ... up to the scope's longest."""
    return 0.0 if failures <= scope.free else min(scope.longest_wait, 2.0 ** (failures - scope.free))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_key(username: str) -> str:
    """How login attempts name an account: its name if it exists, else a keyed hash of what was typed
    (a password pasted into the username box must not be stored)."""
    if exists(username):
        return username[:64]
    digest = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), username.lower().encode(), hashlib.sha256)
    return "unknown:" + digest.hexdigest()[:24]


def record_attempt(account: str, address: str, now: float) -> int:
    """Note an attempt as a failure before judging it (deleted if the password is right, or if it
    must wait and so is not judged); its id. Until then, attempts made meanwhile count it."""
    a = db.login_attempts
    with db.engine().begin() as connection:
        connection.execute(a.delete().where(a.c.at < now - 2 * RATE_WINDOW_SECONDS))  # keep the table small
        return connection.execute(a.insert().values(username=account, remote_addr=address[:64], at=now)).inserted_primary_key[0]


def throttle(attempt_id: int, account: str, address: str, now: float) -> float:
    """Seconds this attempt must still wait, from the failures recorded before it."""
    a = db.login_attempts
    earlier = sa.select(sa.func.count(), sa.func.max(a.c.at)).where(a.c.id < attempt_id, a.c.at >= now - RATE_WINDOW_SECONDS)
    waits = []
    with db.engine().connect() as connection:
        for scope, condition in (
            (PAIR, sa.and_(a.c.username == account, a.c.remote_addr == address[:64])),
            (ACCOUNT, a.c.username == account),
            (ADDRESS, a.c.remote_addr == address[:64]),
        ):
            failures, last = connection.execute(earlier.where(condition)).one()
            if failures:
                waits.append(last + wait_after(failures, scope) - now)
    return max([0.0, *waits])


def forget_attempt(attempt_id: int) -> None:
    with db.engine().begin() as connection:
        connection.execute(db.login_attempts.delete().where(db.login_attempts.c.id == attempt_id))


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
    username = re.sub(r"[\x00-\x1f\x7f]", "", request.form.get("username") or "").strip()[:200]
    password = request.form.get("password") or ""
    address = request.remote_addr or "-"
    now = time.time()
    account = account_key(username)
    attempt = record_attempt(account, address, now)
    wait = throttle(attempt, account, address, now)
    known = not account.startswith("unknown:")
    if wait > 0:
        # Not judged, so not a failure: trying again too soon doesn't make the wait longer.
        forget_attempt(attempt)
        audit.record("login_throttled", username=account if known else "(unknown account)")
        seconds = max(1, round(wait))
        return render_template(
            "login.html", next=request.form.get("next", ""),
            error=f"Too many failed attempts: wait {seconds} seconds, then try again.",
        ), 429, {"Retry-After": str(seconds)}
    user = authenticate(username, password) if username and password else None
    if user is None:
        audit.record("login_failed", username=account if known else "(unknown account)")
        return render_template("login.html", next=request.form.get("next", ""),
                               error="Wrong username or password."), 401
    forget_attempt(attempt)
    if user.totp_secret:
        # The password was right; the code from the authenticator comes next (two_factor.py).
        session.clear()
        session.update(pending_user=user.id, pending_at=now, pending_next=request.form.get("next", ""))
        return redirect(url_for("auth.login_code"))
    return _start_session(user, now, request.form.get("next"))


def _start_session(user, now: float, next_page: Optional[str], detail: Optional[str] = None):
    token = secrets.token_urlsafe(32)
    with db.engine().begin() as connection:
        connection.execute(db.sessions.insert().values(token_hash=_token_hash(token), user_id=user.id,
                                                       created_at=now, last_seen_at=now))
    session.clear()  # a fresh session (and CSRF secret) at every login
    session["token"] = token
    g.user = user
    audit.record("login", detail=detail)
    return redirect(_safe_next(next_page))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step for staff with two-factor login: a code, within five minutes of the password."""
    now = time.time()
    pending = session.get("pending_user")
    if not pending or now - session.get("pending_at", 0) > PENDING_SECONDS:
        session.clear()
        return redirect(url_for("auth.login"))
    with db.engine().connect() as connection:
        user = connection.execute(sa.select(db.users).where(db.users.c.id == pending)).first()
    if user is None or not user.active or not user.totp_secret:
        session.clear()
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("login_code.html")
    account, address = f"code:{user.username}"[:64], request.remote_addr or "-"
    attempt = record_attempt(account, address, now)
    wait = throttle(attempt, account, address, now)
    if wait > 0:
        forget_attempt(attempt)
        seconds = max(1, round(wait))
        return render_template("login_code.html", error=f"Too many wrong codes: wait {seconds} seconds."), 429, {
            "Retry-After": str(seconds)}
    if not two_factor.use_code(user.id, user.totp_secret, request.form.get("code", "")):
        audit.record("login_code_failed", username=user.username)
        return render_template("login_code.html", error="That code isn't right (or was already used). Try the next one."), 401
    forget_attempt(attempt)
    return _start_session(user, now, session.get("pending_next"), detail="two-factor")


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor_settings():
    """Turn two-factor login on (scan, then confirm with a code) or off (with a code)."""
    with db.engine().connect() as connection:
        enrolled = connection.execute(sa.select(db.users.c.totp_secret).where(db.users.c.id == g.user.id)).scalar()
    if request.method == "POST":
        code = request.form.get("code", "")
        if enrolled and request.form.get("change") == "disable":
            if two_factor.use_code(g.user.id, enrolled, code):
                two_factor.disable(g.user.id)
                audit.record("two_factor_off", detail=g.user.username)
                flash("Two-factor login is off.")
            else:
                flash("That code isn't right: two-factor login stays on.")
        elif not enrolled:
            if two_factor.enable(g.user.id, session.get("enrol_secret", ""), code):
                session.pop("enrol_secret", None)
                audit.record("two_factor_on", detail=g.user.username)
                flash("Two-factor login is on: from now on, the login asks for a code.")
            else:
                flash("That code isn't right. Scan the QR code again, or type the key, and enter the code it shows.")
        return redirect(url_for("auth.two_factor_settings"))
    if enrolled:
        return render_template("two_factor.html", enrolled=True)
    secret = session.get("enrol_secret") or two_factor.new_secret()
    session["enrol_secret"] = secret  # kept until confirmed, in the signed session cookie only
    return render_template("two_factor.html", enrolled=False, secret=secret,
                           qr=two_factor.qr_code(secret, g.user.username))


@bp.route("/logout", methods=["POST"])
def logout():
    token = session.get("token")
    if token:
        with db.engine().begin() as connection:
            connection.execute(db.sessions.delete().where(db.sessions.c.token_hash == _token_hash(token)))
        audit.record("logout")
        if g.get("user"):  # nobody is offered a live person who has gone home
            from storage import handoffs

            handoffs.set_available(g.user.username, False)
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
                    db.sessions.c.token_hash, db.sessions.c.last_seen_at, db.sessions.c.created_at,
                    db.users.c.id, db.users.c.username, db.users.c.role, db.users.c.active,
                )
                .select_from(db.sessions)
                .join(db.users, db.users.c.id == db.sessions.c.user_id)
                .where(db.sessions.c.token_hash == _token_hash(token))
            ).first()
            too_old = row is not None and now - row.created_at > current_app.config["SESSION_SECONDS"]
            if row is None or not row.active or now - row.last_seen_at > idle or too_old:
                if row is not None:
                    connection.execute(db.sessions.delete().where(db.sessions.c.token_hash == row.token_hash))
                session.clear()
                if request.endpoint in PASSIVE_ENDPOINTS:
                    return jsonify(error="session_ended"), 401
                if request.endpoint not in OPEN_ENDPOINTS:
                    why = "day" if too_old else "1"
                    return redirect(url_for("auth.login", expired=why, next=request.full_path.rstrip("?")))
            else:
                passive = request.endpoint in PASSIVE_ENDPOINTS
                if not passive and now - row.last_seen_at > min(TOUCH_EVERY_SECONDS, idle / 10):
                    connection.execute(
                        db.sessions.update().where(db.sessions.c.token_hash == row.token_hash).values(last_seen_at=now)
                    )
                g.user = row
    if g.user is None and request.endpoint in PASSIVE_ENDPOINTS:
        return jsonify(error="session_ended"), 401
    if g.user is None and request.endpoint not in OPEN_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))
    return None


def idle_seconds_left() -> Optional[float]:
    """Seconds before the logged-in session ends for lack of activity (or its working day ends)."""
    if not g.get("user"):
        return None
    now = time.time()
    idle_end = g.user.last_seen_at + current_app.config["IDLE_SECONDS"]
    day_end = g.user.created_at + current_app.config["SESSION_SECONDS"]
    return max(0.0, min(idle_end, day_end) - now)


def admin_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.user.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped
