"""working callbacks and alerts: who has taken a request, each call attempt, how it
ended; conversations marked as test traffic; the alert outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

A request stays "new" (open, so the one-open-request index still lets the
person update it from the chat) until a call attempt with a final outcome
closes it; `outcome` is that final outcome. Requests left "contacted" by the
old buttons count as open too (staff_review/callback_queue.py).

alert_outbox holds one row per alert and destination (email, webhook) until it
is sent: the worker (staff_review/alerts.py) retries from here, so a mail
server that is down loses nothing. An alert row names its conversation (so an
erase removes it) but holds no message text, name or number. alert_state keeps
the worker's watermarks (the last callback request and event it looked at).
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_requests") as table:
        table.add_column(sa.Column("assigned_to", sa.String(64), nullable=True))
        table.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("outcome", sa.String(32), nullable=True))
    op.create_table(
        "staff_callback_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("callback_id", sa.Integer, nullable=False),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_staff_callback_attempts_callback_id", "staff_callback_attempts", ["callback_id"])
    op.create_table(
        "staff_test_traffic",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),  # "callback" or "crisis"
        sa.Column("destination", sa.String(16), nullable=False),  # "email" or "webhook"
        sa.Column("conversation_id", sa.String(255), nullable=False),
        # The callback request's, for "callback"; the clinic day, for "crisis" (one a day; never NULL,
        # which would escape the unique constraint).
        sa.Column("reference", sa.String(16), nullable=False, server_default=""),
        sa.Column("best_time", sa.String(16), nullable=True),  # morning/afternoon/evening/any time, never free text
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", sa.Float, nullable=False),
        sa.Column("sent_at", sa.Float, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),  # the error's kind only
        sa.UniqueConstraint("kind", "destination", "conversation_id", "reference", name="uq_alert_outbox_subject"),
    )
    op.create_index("ix_alert_outbox_next_try_at", "alert_outbox", ["sent_at", "next_try_at"])
    op.create_index("ix_alert_outbox_conversation_id", "alert_outbox", ["conversation_id"])
    op.create_table(
        "alert_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_state")
    op.drop_index("ix_alert_outbox_conversation_id", "alert_outbox")
    op.drop_index("ix_alert_outbox_next_try_at", "alert_outbox")
    op.drop_table("alert_outbox")
    op.drop_table("staff_test_traffic")
    op.drop_index("ix_staff_callback_attempts_callback_id", "staff_callback_attempts")
    op.drop_table("staff_callback_attempts")
    with op.batch_alter_table("callback_requests") as table:
        table.drop_column("outcome")
        table.drop_column("assigned_at")
        table.drop_column("assigned_to")
