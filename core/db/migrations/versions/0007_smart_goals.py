"""smart goals: SMART details, deadline and priority on goals

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('goals') as batch_op:
        batch_op.add_column(sa.Column('smart', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('time_bound_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('goals') as batch_op:
        batch_op.drop_column('priority')
        batch_op.drop_column('time_bound_at')
        batch_op.drop_column('smart')
