"""calendar: events, Google connections and OAuth requests, push channels, ICS feeds, notification outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_events',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('calendar_id', sa.String(length=255), nullable=False),
    sa.Column('external_id', sa.String(length=1024), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('busy', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('step_id', sa.Uuid(), nullable=True),
    sa.Column('etag', sa.String(length=255), nullable=True),
    sa.Column('remote_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_events')),
    sa.UniqueConstraint('user_id', 'source', 'calendar_id', 'external_id',
                        name=op.f('uq_calendar_events_user_id_source_calendar_id_external_id'))
    )
    with op.batch_alter_table('calendar_events', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_events_user_start', ['user_id', 'start_at'], unique=False)
        batch_op.create_index('ix_calendar_events_step_id', ['step_id'], unique=False)

    op.create_table('google_connections',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('google_email', sa.String(length=320), nullable=True),
    sa.Column('calendar_id', sa.String(length=255), nullable=False),
    sa.Column('access_token_enc', sa.Text(), nullable=False),
    sa.Column('refresh_token_enc', sa.Text(), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scopes', sa.String(length=1000), nullable=False),
    sa.Column('sync_token', sa.Text(), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_full_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_google_connections_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_google_connections')),
    sa.UniqueConstraint('user_id', name=op.f('uq_google_connections_user_id'))
    )
    with op.batch_alter_table('google_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_google_connections_sync_due_at'), ['sync_due_at'], unique=False)

    op.create_table('google_oauth_requests',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('link_token_hash', sa.String(length=64), nullable=False),
    sa.Column('link_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('link_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=128), nullable=True),
    sa.Column('state_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_verifier', sa.String(length=128), nullable=True),
    sa.Column('browser_key_hash', sa.String(length=64), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_google_oauth_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_google_oauth_requests')),
    sa.UniqueConstraint('link_token_hash', name=op.f('uq_google_oauth_requests_link_token_hash')),
    sa.UniqueConstraint('state', name=op.f('uq_google_oauth_requests_state'))
    )
    with op.batch_alter_table('google_oauth_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_google_oauth_requests_user_id'), ['user_id'], unique=False)

    op.create_table('calendar_channels',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.String(length=255), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('calendar_id', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_channels_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_channels')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_calendar_channels_channel_id'))
    )
    with op.batch_alter_table('calendar_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_channels_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_channels_expires_at'), ['expires_at'], unique=False)

    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id'))
    )

    op.create_table('calendar_notifications',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_notifications'))
    )
    with op.batch_alter_table('calendar_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_notifications_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_calendar_notifications_pending', ['delivered_at', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calendar_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_notifications_pending')
        batch_op.drop_index(batch_op.f('ix_calendar_notifications_user_id'))
    op.drop_table('calendar_notifications')
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('calendar_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_channels_expires_at'))
        batch_op.drop_index(batch_op.f('ix_calendar_channels_user_id'))
    op.drop_table('calendar_channels')
    with op.batch_alter_table('google_oauth_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_google_oauth_requests_user_id'))
    op.drop_table('google_oauth_requests')
    with op.batch_alter_table('google_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_google_connections_sync_due_at'))
    op.drop_table('google_connections')
    with op.batch_alter_table('calendar_events', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_events_step_id')
        batch_op.drop_index('ix_calendar_events_user_start')
    op.drop_table('calendar_events')
