"""coach turns: the short memory of a person's conversation with the free-text coach

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'coach_turns',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coach_turns_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coach_turns')),
    )
    op.create_index('ix_coach_turns_user_id_id', 'coach_turns', ['user_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_coach_turns_user_id_id', table_name='coach_turns')
    op.drop_table('coach_turns')
