"""Staff review: a login-protected web app to read the assistant's conversations,
follow up callback requests and turn misunderstandings into training data.

`create_app()` builds the Flask app; `python -m staff_review` serves it with
waitress on 127.0.0.1:8001. Settings (environment):

    DATABASE_URL          the project's database (storage/), read by the assistant too
    STAFF_HOST/STAFF_PORT where to listen (127.0.0.1:8001)
    STAFF_SECRET_KEY      signs session cookies; default: a random key kept in var/staff_review.key
    STAFF_SESSION_HOURS   how long a login lasts however active (12)
    STAFF_IDLE_MINUTES    how long a login lasts without activity (15)
    STAFF_TRUSTED_PROXY   address of a reverse proxy whose X-Forwarded-For, -Host and -Proto
                          are believed (client addresses for the login rate limit and the
                          audit log; the Secure cookie flag behind an HTTPS proxy)
    ASSISTANT_URL         the Rasa server, asked to take over, send and hand back in a live
                          chat (http://127.0.0.1:5005): staff_review/assistant_client.py
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

ROOT = Path(__file__).resolve().parent.parent
IDLE_SECONDS = 15 * 60
# However active, a login lasts this long (STAFF_SESSION_HOURS, 12 by default: a working day).
SESSION_SECONDS = 12 * 3600

csrf = CSRFProtect()

# Scripts only from the app's own static files (the live queue's poll), never inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def secret_key() -> str:
    """STAFF_SECRET_KEY, or a random key made once and kept (mode 0600) under var/."""
    if os.environ.get("STAFF_SECRET_KEY"):
        return os.environ["STAFF_SECRET_KEY"]
    path = ROOT / "var" / "staff_review.key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def when(value) -> str:
    """A timestamp (Rasa's epoch seconds or a datetime) in the clinic's time zone, to the minute,
    with the zone's abbreviation ("2026-11-28 09:15 PST"), for templates."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    elif value.tzinfo is None:  # SQLite hands back naive datetimes, stored as UTC
        value = value.replace(tzinfo=timezone.utc)
    from staff_review.callback_queue import clinic_zone  # here: the REST channel imports this package too

    return value.astimezone(clinic_zone()).strftime("%Y-%m-%d %H:%M %Z")


def create_app(config: Optional[dict] = None) -> Flask:
    from staff_review import auth, callback_queue, domain
    from staff_review.conversations import channel_label
    from storage import phone_numbers
    from staff_review.views import (admin, alerts, callbacks, conversations, corrections, dashboard, handoffs, reports,
                                    search)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=(config or {}).get("SECRET_KEY") or secret_key(),
        SESSION_COOKIE_NAME="staff_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login session, which idles out
        IDLE_SECONDS=float(os.environ.get("STAFF_IDLE_MINUTES") or IDLE_SECONDS / 60) * 60,
        SESSION_SECONDS=float(os.environ.get("STAFF_SESSION_HOURS") or SESSION_SECONDS / 3600) * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
        INTENTS=domain.intents(),
    )
    app.config.update(config or {})
    app.session_interface = SessionInterface()
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["channel_label"] = channel_label
    app.jinja_env.filters["phone"] = phone_numbers.shown
    app.jinja_env.filters["tel_uri"] = phone_numbers.tel_uri
    app.jinja_env.globals["outcome_label"] = lambda key: getattr(callback_queue.OUTCOME_BY_KEY.get(key), "label", key)
    app.jinja_env.globals["clinic_zone"] = callback_queue.clinic_zone().key
    app.jinja_env.globals["open_statuses"] = callback_queue.OPEN_STATUSES
    # Login first, then CSRF: an anonymous POST is sent to the login page.
    app.before_request(auth.load_user)
    csrf.init_app(app)
    for blueprint in (auth.bp, conversations.bp, callbacks.bp, corrections.bp, dashboard.bp, admin.bp, search.bp, alerts.bp,
                      reports.bp, handoffs.bp):
        app.register_blueprint(blueprint)

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"  # health information stays out of caches
        return response

    return app
