"""ritual prompt log: an index of the claims in flight, so looking for stale claims reads only those

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CLAIMED_ONLY = sa.text("status = 'claimed'")


def upgrade() -> None:
    op.create_index("ix_ritual_prompt_log_claimed_at", "ritual_prompt_log", ["claimed_at"],
                    sqlite_where=CLAIMED_ONLY, postgresql_where=CLAIMED_ONLY)


def downgrade() -> None:
    op.drop_index("ix_ritual_prompt_log_claimed_at", table_name="ritual_prompt_log")
