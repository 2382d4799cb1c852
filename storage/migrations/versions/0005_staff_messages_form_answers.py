"""form answers in the staff index: staff_messages.answers_slot, and the index rebuilt.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

A user message that answered a form's question ("Morning" at the best-time
question, a phone number) is no misunderstanding, whatever intent the NLU
gave it: staff_review.form_answers finds them, staff_messages.answers_slot
keeps the slot answered, and they no longer count as low-confidence or
fallback turns in staff_conversations.

The derived tables (staff_conversations, staff_messages, staff_sync_state)
are emptied, so the next sync rebuilds them from `events` with the new rules
(what `python -m staff_review.sync --rebuild` does). On a large database that
first sync is a bulk job: run `python -m staff_review.sync` after upgrading,
before staff open the app. Nothing staff made (reviews, tags, notes,
corrections) is touched.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DERIVED = ("staff_messages", "staff_conversations", "staff_sync_state")


def upgrade() -> None:
    with op.batch_alter_table("staff_messages") as table:
        table.add_column(sa.Column("answers_slot", sa.String(255), nullable=True))
    for name in DERIVED:
        op.execute(sa.table(name).delete())


def downgrade() -> None:
    with op.batch_alter_table("staff_messages") as table:
        table.drop_column("answers_slot")
    for name in DERIVED:
        op.execute(sa.table(name).delete())
