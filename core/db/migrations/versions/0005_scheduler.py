"""scheduler: users' next ritual prompt instants, pause, quiet weekdays, bot-blocked mark; the ritual prompt log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_morning_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_evening_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rituals_paused_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("quiet_weekdays", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("bot_blocked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_next_morning_at"), ["next_morning_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_next_evening_at"), ["next_evening_at"], unique=False)

    op.create_table(
        "ritual_prompt_log",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.Uuid(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("snoozes", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ritual_prompt_log_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ritual_prompt_log")),
        sa.UniqueConstraint("user_id", "kind", "local_date",
                            name=op.f("uq_ritual_prompt_log_user_id_kind_local_date")),
    )
    op.create_index("ix_ritual_prompt_log_status_due_at", "ritual_prompt_log", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ritual_prompt_log_status_due_at", table_name="ritual_prompt_log")
    op.drop_table("ritual_prompt_log")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_next_evening_at"))
        batch_op.drop_index(batch_op.f("ix_users_next_morning_at"))
        batch_op.drop_column("bot_blocked_at")
        batch_op.drop_column("quiet_weekdays")
        batch_op.drop_column("rituals_paused_until")
        batch_op.drop_column("next_evening_at")
        batch_op.drop_column("next_morning_at")
