"""Calendar: events (Mechta's own and cached Google ones), Google connections, OAuth requests, push channels,
ICS feed tokens and the notification outbox the bot delivers."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey, utcnow

EVENT_SOURCES = ("mechta", "google")
EVENT_STATUSES = ("confirmed", "tentative", "cancelled")
MECHTA_CALENDAR_ID = "mechta"


class CalendarEvent(UUIDPrimaryKey, Timestamps, Base):
    """One event. `source="mechta"` rows are the Mechta calendar itself; `source="google"` rows are the local cache
    of the connected Google calendar (kept by incremental sync). `step_id` links a planned block to its step."""

    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("user_id", "source", "calendar_id", "external_id"),
        Index("ix_calendar_events_user_start", "user_id", "start_at"),
        Index("ix_calendar_events_step_id", "step_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    calendar_id: Mapped[str] = mapped_column(String(255), nullable=False)
    external_id: Mapped[str] = mapped_column(String(1024), nullable=False)
    title: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    location: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    busy: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="confirmed", nullable=False)
    # No foreign key: the block outlives a deleted step (and the steps table belongs to another migration).
    step_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    etag: Mapped[str | None] = mapped_column(String(255))
    remote_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GoogleConnection(UUIDPrimaryKey, Timestamps, Base):
    """A user's Google Calendar grant: tokens encrypted at rest, the incremental-sync cursor, a pending sync."""

    __tablename__ = "google_connections"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True,
                                               nullable=False)
    google_email: Mapped[str | None] = mapped_column(String(320))
    calendar_id: Mapped[str] = mapped_column(String(255), default="primary", nullable=False)
    access_token_enc: Mapped[str] = mapped_column(Text, nullable=False)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scopes: Mapped[str] = mapped_column(String(1000), default="", nullable=False)
    sync_token: Mapped[str | None] = mapped_column(Text)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_full_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by the first push notification of a burst; the scheduler's tick runs the one sync when it is due.
    sync_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class GoogleOAuthRequest(UUIDPrimaryKey, Base):
    """One "connect Google" attempt: the one-time link the bot sent, then the OAuth state and PKCE verifier
    (kept server-side) once the link was opened. Every step is single-use and expires."""

    __tablename__ = "google_oauth_requests"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                               nullable=False)
    link_token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    link_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str | None] = mapped_column(String(128), unique=True)
    state_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    browser_key_hash: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CalendarChannel(UUIDPrimaryKey, Base):
    """A Google push channel (events.watch). The token is stored hashed and checked on every notification."""

    __tablename__ = "calendar_channels"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                               nullable=False)
    channel_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    resource_id: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    calendar_id: Mapped[str] = mapped_column(String(255), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    message_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CalendarFeed(UUIDPrimaryKey, Base):
    """The secret token of a user's ICS feed URL; rotating it retires the old URL."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True,
                                               nullable=False)
    token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CalendarNotification(UUIDPrimaryKey, Base):
    """Outbox of things the bot should tell the user (Google connected, a moved block moved its step, ...)."""

    __tablename__ = "calendar_notifications"
    __table_args__ = (Index("ix_calendar_notifications_pending", "delivered_at", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True,
                                               nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = [
    "EVENT_SOURCES",
    "EVENT_STATUSES",
    "MECHTA_CALENDAR_ID",
    "CalendarChannel",
    "CalendarEvent",
    "CalendarFeed",
    "CalendarNotification",
    "GoogleConnection",
    "GoogleOAuthRequest",
]
