"""Queries on calendar events, Google connections, OAuth requests, push channels, feeds and notifications.
Never commits: the calling service owns the transaction."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models.calendar import (
    CalendarChannel,
    CalendarEvent,
    CalendarFeed,
    CalendarNotification,
    GoogleConnection,
    GoogleOAuthRequest,
)


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # events
    async def events_between(self, user_id: uuid.UUID, source: str, calendar_id: str, start: datetime,
                             end: datetime, *, include_cancelled: bool = False) -> list[CalendarEvent]:
        stmt = (select(CalendarEvent)
                .where(CalendarEvent.user_id == user_id, CalendarEvent.source == source,
                       CalendarEvent.calendar_id == calendar_id,
                       CalendarEvent.start_at < end, CalendarEvent.end_at > start)
                .order_by(CalendarEvent.start_at, CalendarEvent.id))
        if not include_cancelled:
            stmt = stmt.where(CalendarEvent.status != "cancelled")
        return list((await self.session.scalars(stmt)).all())

    async def event(self, user_id: uuid.UUID, event_id: uuid.UUID, *, source: str | None = None,
                    for_update: bool = False) -> CalendarEvent | None:
        stmt = select(CalendarEvent).where(CalendarEvent.id == event_id, CalendarEvent.user_id == user_id,
                                           CalendarEvent.status != "cancelled")
        if source is not None:
            stmt = stmt.where(CalendarEvent.source == source)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def by_external_ids(self, user_id: uuid.UUID, source: str, calendar_id: str,
                              external_ids: Iterable[str]) -> dict[str, CalendarEvent]:
        ids = list(external_ids)
        if not ids:
            return {}
        rows = await self.session.scalars(select(CalendarEvent).where(
            CalendarEvent.user_id == user_id, CalendarEvent.source == source,
            CalendarEvent.calendar_id == calendar_id, CalendarEvent.external_id.in_(ids)))
        return {row.external_id: row for row in rows}

    async def live_blocks_of_steps(self, user_id: uuid.UUID, source: str, step_ids: Iterable[uuid.UUID],
                                   since: datetime) -> list[CalendarEvent]:
        ids = list(step_ids)
        if not ids:
            return []
        rows = await self.session.scalars(select(CalendarEvent).where(
            CalendarEvent.user_id == user_id, CalendarEvent.source == source, CalendarEvent.step_id.in_(ids),
            CalendarEvent.status != "cancelled", CalendarEvent.end_at > since))
        return list(rows.all())

    async def count_events(self, user_id: uuid.UUID, source: str) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(CalendarEvent).where(
            CalendarEvent.user_id == user_id, CalendarEvent.source == source,
            CalendarEvent.status != "cancelled")) or 0)

    async def delete_events(self, user_id: uuid.UUID, source: str) -> int:
        result = await self.session.execute(delete(CalendarEvent).where(
            CalendarEvent.user_id == user_id, CalendarEvent.source == source))
        return result.rowcount or 0

    async def blocks_starting(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        rows = await self.session.scalars(select(CalendarEvent).where(
            CalendarEvent.step_id.is_not(None), CalendarEvent.status != "cancelled",
            CalendarEvent.start_at >= start, CalendarEvent.start_at < end).order_by(CalendarEvent.start_at))
        return list(rows.all())

    # Google connection
    async def connection(self, user_id: uuid.UUID, *, for_update: bool = False) -> GoogleConnection | None:
        stmt = select(GoogleConnection).where(GoogleConnection.user_id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def connections_due(self, now: datetime, limit: int = 100) -> list[GoogleConnection]:
        rows = await self.session.scalars(select(GoogleConnection).where(
            GoogleConnection.sync_due_at.is_not(None), GoogleConnection.sync_due_at <= now)
            .order_by(GoogleConnection.sync_due_at).limit(limit))
        return list(rows.all())

    async def schedule_polls(self, now: datetime, synced_before: datetime, limit: int = 500) -> int:
        """Mark a sync due now for connections without a live push channel that last synced before
        `synced_before` (or never) and have none pending; returns how many were marked."""
        live_channel = select(CalendarChannel.id).where(CalendarChannel.user_id == GoogleConnection.user_id,
                                                        CalendarChannel.expires_at > now).exists()
        stale = (select(GoogleConnection.id).where(
            GoogleConnection.sync_due_at.is_(None), ~live_channel,
            or_(GoogleConnection.last_sync_at.is_(None), GoogleConnection.last_sync_at <= synced_before))
            .order_by(GoogleConnection.last_sync_at.nulls_first()).limit(limit))
        result = await self.session.execute(update(GoogleConnection).where(
            GoogleConnection.id.in_(stale.scalar_subquery()), GoogleConnection.sync_due_at.is_(None))
            .values(sync_due_at=now).execution_options(synchronize_session=False))
        return result.rowcount or 0

    async def claim_due_sync(self, connection_id: uuid.UUID, due_at: datetime) -> bool:
        result = await self.session.execute(update(GoogleConnection).where(
            GoogleConnection.id == connection_id, GoogleConnection.sync_due_at == due_at).values(sync_due_at=None))
        return (result.rowcount or 0) == 1

    async def schedule_sync(self, user_id: uuid.UUID, due_at: datetime) -> bool:
        """Set the pending sync unless one is already pending (the first notification of a burst wins)."""
        result = await self.session.execute(update(GoogleConnection).where(
            GoogleConnection.user_id == user_id, GoogleConnection.sync_due_at.is_(None)).values(sync_due_at=due_at))
        return (result.rowcount or 0) == 1

    # OAuth requests
    async def oauth_request_by_link(self, link_token_hash: str) -> GoogleOAuthRequest | None:
        return (await self.session.scalars(select(GoogleOAuthRequest).where(
            GoogleOAuthRequest.link_token_hash == link_token_hash).with_for_update())).first()

    async def oauth_request_by_state(self, state: str) -> GoogleOAuthRequest | None:
        return (await self.session.scalars(select(GoogleOAuthRequest).where(
            GoogleOAuthRequest.state == state).with_for_update())).first()

    async def delete_oauth_requests(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(GoogleOAuthRequest).where(GoogleOAuthRequest.user_id == user_id))

    # channels
    async def channel(self, channel_id: str) -> CalendarChannel | None:
        return (await self.session.scalars(select(CalendarChannel).where(
            CalendarChannel.channel_id == channel_id))).first()

    async def channels_of(self, user_id: uuid.UUID) -> list[CalendarChannel]:
        rows = await self.session.scalars(select(CalendarChannel).where(CalendarChannel.user_id == user_id)
                                          .order_by(CalendarChannel.created_at))
        return list(rows.all())

    async def channels_expiring(self, before: datetime, limit: int = 100) -> list[CalendarChannel]:
        rows = await self.session.scalars(select(CalendarChannel).where(CalendarChannel.expires_at <= before)
                                          .order_by(CalendarChannel.expires_at).limit(limit))
        return list(rows.all())

    async def delete_channels(self, user_id: uuid.UUID) -> None:
        await self.session.execute(delete(CalendarChannel).where(CalendarChannel.user_id == user_id))

    # feeds
    async def feed_of(self, user_id: uuid.UUID) -> CalendarFeed | None:
        return (await self.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user_id))).first()

    async def feed_by_token(self, token: str) -> CalendarFeed | None:
        return (await self.session.scalars(select(CalendarFeed).where(CalendarFeed.token == token))).first()

    # notifications
    async def pending_notifications(self, limit: int, user_id: uuid.UUID | None = None) -> list[CalendarNotification]:
        stmt = select(CalendarNotification).where(CalendarNotification.delivered_at.is_(None))
        if user_id is not None:
            stmt = stmt.where(CalendarNotification.user_id == user_id)
        rows = await self.session.scalars(stmt.order_by(CalendarNotification.created_at, CalendarNotification.id)
                                          .limit(limit))
        return list(rows.all())

    async def mark_delivered(self, ids: Iterable[uuid.UUID], now: datetime) -> int:
        ids = list(ids)
        if not ids:
            return 0
        result = await self.session.execute(update(CalendarNotification).where(
            CalendarNotification.id.in_(ids), CalendarNotification.delivered_at.is_(None)).values(delivered_at=now))
        return result.rowcount or 0
