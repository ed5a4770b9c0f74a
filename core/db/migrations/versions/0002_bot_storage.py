"""bot storage: the bot's dialog states (FSM) persisted in the database when Redis is not configured

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_fsm_states",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thread_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("business_connection_id", sa.String(length=64), nullable=False),
        sa.Column("destiny", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "bot_id", "chat_id", "user_id", "thread_id", "business_connection_id", "destiny",
            name=op.f("pk_bot_fsm_states"),
        ),
    )


def downgrade() -> None:
    op.drop_table("bot_fsm_states")
