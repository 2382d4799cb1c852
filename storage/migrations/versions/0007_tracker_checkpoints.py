"""tracker checkpoints: a long conversation's state as of one event (storage/tracker_store.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

The tracker store rebuilds a long conversation from its checkpoint and the
events after it, so a turn costs the same at turn 400 as at turn 10. Nothing
existing changes: a conversation gets a checkpoint the first time it grows
past the threshold.
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracker_checkpoints",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("through_id", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tracker_checkpoints")
