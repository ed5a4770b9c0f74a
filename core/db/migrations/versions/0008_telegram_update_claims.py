"""telegram update claims: webhook updates handled once across replicas when there is no Redis

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'telegram_update_claims',
        sa.Column('bot_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('bot_id', 'update_id', name=op.f('pk_telegram_update_claims')),
    )
    op.create_index('ix_telegram_update_claims_finished_at', 'telegram_update_claims', ['finished_at'])


def downgrade() -> None:
    op.drop_index('ix_telegram_update_claims_finished_at', table_name='telegram_update_claims')
    op.drop_table('telegram_update_claims')
