"""stream expiry notice: the "time's up" notice owed to a writer whose stream the timer closed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wants_raw') as batch_op:
        batch_op.add_column(sa.Column('stream_notice_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_wants_raw_stream_notice_due_at', ['stream_notice_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wants_raw') as batch_op:
        batch_op.drop_index('ix_wants_raw_stream_notice_due_at')
        batch_op.drop_column('stream_notice_due_at')
