"""ritual prompt log: the claim's two redelivery reads get partial indexes of the few rows they look for (waiting
snoozes and retries by due time, claims in flight by claim time) instead of an index over every prompt ever logged

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

WAITING = sa.text("status IN ('snoozed', 'retry')")
CLAIMED = sa.text("status = 'claimed'")


def upgrade() -> None:
    op.drop_index("ix_ritual_prompt_log_status_due_at", table_name="ritual_prompt_log")
    op.create_index("ix_ritual_prompt_log_waiting_due_at", "ritual_prompt_log", ["due_at"],
                    sqlite_where=WAITING, postgresql_where=WAITING)
    op.create_index("ix_ritual_prompt_log_claimed_at", "ritual_prompt_log", ["claimed_at"],
                    sqlite_where=CLAIMED, postgresql_where=CLAIMED)


def downgrade() -> None:
    op.drop_index("ix_ritual_prompt_log_claimed_at", table_name="ritual_prompt_log")
    op.drop_index("ix_ritual_prompt_log_waiting_due_at", table_name="ritual_prompt_log")
    op.create_index("ix_ritual_prompt_log_status_due_at", "ritual_prompt_log", ["status", "due_at"], unique=False)
