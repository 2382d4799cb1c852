"""The tables the staff app reads and writes, and one engine per database URL.

Three groups, all in the project's database (DATABASE_URL):

* Rasa's `events` (read only, except that an erase deletes a conversation's
  rows: staff_review/erase.py) and the assistant's `callback_requests` (the
  app moves a request's status on, and an erase deletes it);
* what staff create: users, their login sessions and attempts, the audit log,
  reviews, tags, notes, intent corrections, callback status history;
* two derived tables, `staff_conversations` and `staff_messages`, which
  `staff_review.sync` fills from `events`. Listing, filtering and searching
  100,000 conversations straight from `events` would mean parsing millions
  of JSON rows per page; these tables make a page an indexed query. They can
  be dropped and rebuilt from `events` at any time (`python -m
  staff_review.sync --rebuild`).

The schema is created by Alembic revision 0002 (storage/migrations/); the
definitions here are what the code queries, and must match it. `engine()` is
storage's shared one engine per URL (bound parameters hidden from error
messages, so no message text or name reaches a log through an exception).
"""
from __future__ import annotations

import sqlalchemy as sa

from storage import engine
from storage.callbacks import callback_requests

metadata = sa.MetaData()

# Rasa's SQL tracker store table, as Rasa 3.6 creates it. Read only, but for erasing.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # "admin" or "reviewer"
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_login_at", sa.DateTime(timezone=True)),
    # Two-factor login (optional; revision 0003): the TOTP secret, and the last time step used.
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("totp_last_step", sa.Integer),
    # The name visitors see when this person joins a live chat (revision 0006; the
    # username, capitalised, when unset): storage/handoffs.py.
    sa.Column("chat_name", sa.String(40)),
)

# Server-side login sessions: the cookie holds only a random token, so logging
# out, disabling a user or 15 idle minutes end the session for real.
sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
)

# Failed logins only (the rate limits count them); rows older than the window are deleted.
login_attempts = sa.Table(
    "staff_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("remote_addr", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("ix_staff_login_attempts_username_at", "username", "at"),
    sa.Index("ix_staff_login_attempts_remote_addr_at", "remote_addr", "at"),
)

audit_log = sa.Table(
    "staff_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("conversation_id", sa.String(255)),
    sa.Column("detail", sa.Text),  # never message text, names or phone numbers
    sa.Column("remote_addr", sa.String(64)),
    sa.Index("ix_staff_audit_log_conversation_id", "conversation_id"),
)

# A review covers the conversation's events up to `reviewed_through` (an events.id):
# anything newer makes the conversation "not reviewed" again.
reviews = sa.Table(
    "staff_reviews",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("reviewed_by", sa.String(64), nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reviewed_through", sa.Integer, nullable=False),
)

tags = sa.Table(
    "staff_tags",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("tag", sa.String(40), primary_key=True),
    sa.Column("added_by", sa.String(64), nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)

notes = sa.Table(
    "staff_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_staff_notes_conversation_id", "conversation_id"),
)

# "This message meant ...": one correction per user message (its event id).
corrections = sa.Table(
    "staff_corrections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("predicted_intent", sa.String(255)),
    sa.Column("intent", sa.String(255), nullable=False),
    sa.Column("corrected_by", sa.String(64), nullable=False),
    sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
)

callback_history = sa.Table(
    "staff_callback_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("callback_id", sa.Integer, nullable=False),
    sa.Column("from_status", sa.String(16), nullable=False),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_staff_callback_history_callback_id", "callback_id"),
)

# Each call attempt on a callback request, with its outcome (staff_review/callback_queue.py).
callback_attempts = sa.Table(
    "staff_callback_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("callback_id", sa.Integer, nullable=False),
    sa.Column("made_by", sa.String(64), nullable=False),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("note", sa.Text),
    sa.Index("ix_staff_callback_attempts_callback_id", "callback_id"),
)

# Conversations staff marked as test traffic: hidden from lists and counts unless asked for.
test_traffic = sa.Table(
    "staff_test_traffic",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("marked_by", sa.String(64), nullable=False),
    sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
)

# Alerts waiting to be sent, or sent (staff_review/alerts.py): no message text, name or number.
alert_outbox = sa.Table(
    "alert_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "callback", "crisis" or "handoff"
    sa.Column("destination", sa.String(16), nullable=False),  # "email" or "webhook"
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("reference", sa.String(16), nullable=False, server_default=""),  # a crisis alert: the clinic day it is for
    sa.Column("best_time", sa.String(16)),  # morning/afternoon/evening/any time, never what was typed
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_try_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    sa.Column("last_error", sa.String(200)),  # the error's kind only
    sa.UniqueConstraint("kind", "destination", "conversation_id", "reference", name="uq_alert_outbox_subject"),
    sa.Index("ix_alert_outbox_next_try_at", "sent_at", "next_try_at"),
    sa.Index("ix_alert_outbox_conversation_id", "conversation_id"),
)

# The alert worker's watermarks: the last callback request id and event id it looked at.
alert_state = sa.Table(
    "alert_state",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("last_id", sa.Integer, nullable=False),
)

# Derived from `events` by staff_review.sync (one row per conversation).
conversations = sa.Table(
    "staff_conversations",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("started_day", sa.String(10), nullable=False),  # UTC date, for per-day counts
    sa.Column("last_at", sa.Float, nullable=False),  # last activity: the list's order and date filters
    sa.Column("last_event_id", sa.Integer, nullable=False),  # compared with staff_reviews.reviewed_through
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("turns", sa.Integer, nullable=False),
    sa.Column("sessions", sa.Integer, nullable=False),
    sa.Column("crisis", sa.Boolean, nullable=False),
    sa.Column("crisis_suspected", sa.Boolean, nullable=False),
    sa.Column("callback", sa.Boolean, nullable=False),
    sa.Column("fallback", sa.Boolean, nullable=False),
    sa.Column("low_confidence", sa.Integer, nullable=False),
    sa.Index("ix_staff_conversations_last_at", "last_at"),
    sa.Index("ix_staff_conversations_started_day", "started_day"),
)

# Derived from `events`: one row per user message, for search and intent filters.
messages = sa.Table(
    "staff_messages",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(255)),
    sa.Column("confidence", sa.Float),
    # The form question (slot) the message answered, if it did (revision 0005): its intent means nothing.
    sa.Column("answers_slot", sa.String(255)),
    sa.Index("ix_staff_messages_conversation_id", "conversation_id"),
    sa.Index("ix_staff_messages_intent_conversation_id", "intent", "conversation_id"),
    sa.Index("ix_staff_messages_timestamp", "timestamp"),
    # ix_staff_messages_text_trgm (PostgreSQL, pg_trgm) is made by the migration where the extension exists.
)

sync_state = sa.Table(
    "staff_sync_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

__all__ = [
    "alert_outbox", "alert_state", "audit_log", "callback_attempts", "callback_history", "callback_requests",
    "conversations", "corrections", "engine", "events", "is_postgres", "login_attempts", "messages", "notes",
    "reviews", "sessions", "sync_state", "tags", "test_traffic", "users",
]


def is_postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"
