"""callback_requests: one row per callback request, at most one open per conversation.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("best_time", sa.String(100), nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("triage", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_callback_requests_conversation_id", "callback_requests", ["conversation_id"])
    op.create_index(
        "one_open_request_per_conversation",
        "callback_requests",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text("status = 'new'"),
        postgresql_where=sa.text("status = 'new'"),
    )


def downgrade() -> None:
    op.drop_table("callback_requests")
