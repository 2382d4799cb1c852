"""staff two-factor login: a TOTP secret per staff user, and the last time step used.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Both columns are empty for users who have not enrolled (two-factor login is
optional). `totp_last_step` refuses a code that was already used, so a code
seen over someone's shoulder can't be used again in its 30 seconds.
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as table:
        table.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        table.add_column(sa.Column("totp_last_step", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as table:
        table.drop_column("totp_last_step")
        table.drop_column("totp_secret")
