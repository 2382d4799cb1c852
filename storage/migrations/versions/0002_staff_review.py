"""staff review app: users, sessions, login attempts, audit log, reviews, tags, notes,
intent corrections, callback status history, and the derived conversation/message tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The callback statuses stay as revision 0001 made them ("new", then
"contacted", then "closed"): the one-open-request index covers "new" only, so
storage/callbacks.py is unchanged. Rasa's `events` table is not touched.
staff_login_attempts holds failed logins only. The conversation list is
ordered and date-filtered by last activity (staff_conversations.last_at); a
review covers events up to staff_reviews.reviewed_through, so a conversation
with newer events counts as not reviewed.
On PostgreSQL, search over message text uses a trigram index (pg_trgm), so
`ILIKE '%words%'` is an index scan; without the extension it is still correct,
only slower.
"""
import logging

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
    )
    op.create_table(
        "staff_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_staff_login_attempts_username_at", "staff_login_attempts", ["username", "at"])
    op.create_index("ix_staff_login_attempts_remote_addr_at", "staff_login_attempts", ["remote_addr", "at"])
    op.create_table(
        "staff_audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255)),
        sa.Column("detail", sa.Text),
        sa.Column("remote_addr", sa.String(64)),
    )
    op.create_index("ix_staff_audit_log_conversation_id", "staff_audit_log", ["conversation_id"])
    op.create_table(
        "staff_reviews",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("reviewed_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_through", sa.Integer, nullable=False),
    )
    op.create_table(
        "staff_tags",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("tag", sa.String(40), primary_key=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_notes_conversation_id", "staff_notes", ["conversation_id"])
    op.create_table(
        "staff_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("predicted_intent", sa.String(255)),
        sa.Column("intent", sa.String(255), nullable=False),
        sa.Column("corrected_by", sa.String(64), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_callback_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("callback_id", sa.Integer, nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_callback_history_callback_id", "staff_callback_history", ["callback_id"])
    op.create_table(
        "staff_conversations",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("started_day", sa.String(10), nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
        sa.Column("last_event_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("sessions", sa.Integer, nullable=False),
        sa.Column("crisis", sa.Boolean, nullable=False),
        sa.Column("crisis_suspected", sa.Boolean, nullable=False),
        sa.Column("callback", sa.Boolean, nullable=False),
        sa.Column("fallback", sa.Boolean, nullable=False),
        sa.Column("low_confidence", sa.Integer, nullable=False),
    )
    op.create_index("ix_staff_conversations_last_at", "staff_conversations", ["last_at"])
    op.create_index("ix_staff_conversations_started_day", "staff_conversations", ["started_day"])
    op.create_table(
        "staff_messages",
        sa.Column("event_id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(255)),
        sa.Column("confidence", sa.Float),
    )
    op.create_index("ix_staff_messages_conversation_id", "staff_messages", ["conversation_id"])
    op.create_index("ix_staff_messages_intent_conversation_id", "staff_messages", ["intent", "conversation_id"])
    op.create_index("ix_staff_messages_timestamp", "staff_messages", ["timestamp"])
    op.create_table(
        "staff_sync_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_event_id", sa.Integer, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _trigram_index()


def _trigram_index() -> None:
    """GIN trigram index for ILIKE search; skipped (with a warning) where pg_trgm can't be created."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        logger.warning("pg_trgm is not available: staff search will work, without an index.")
        return
    op.execute("CREATE INDEX ix_staff_messages_text_trgm ON staff_messages USING gin (text gin_trgm_ops)")


def downgrade() -> None:
    for table in (
        "staff_sync_state", "staff_messages", "staff_conversations", "staff_callback_history", "staff_corrections",
        "staff_notes", "staff_tags", "staff_reviews", "staff_audit_log", "staff_login_attempts", "staff_sessions",
        "staff_users",
    ):
        op.drop_table(table)
