"""Outbox of calendar news for the person: the sender `claim`s a batch (each notification is held by one sender
at a time, for CLAIM_SECONDS), tells the person, then calls `mark_delivered`; `release` hands back one that could
not be sent this time, for the next round.

Kinds and payloads:
- "google_connected"   {"google_email": str | None}
- "google_access_lost" {}                                   (Google refused our refresh token; reconnect)
- "step_moved"         {"step_id", "event_id", "title", "old_start", "new_start", "planned_date"}
- "step_skipped"       {"step_id", "event_id", "title"}      (its block was deleted in Google or through the API)
- "block_kept"         {"step_id", "event_id", "title", "start", "planned_date"}
                       (the step was rescheduled, but the same time on its new day is taken: the block stayed)
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.cache import Cache
from core.clock import Clock
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarNotification
from core.repositories.calendar import CalendarRepository
from core.repositories.users import UserRepository

NOTIFICATION_KINDS = ("google_connected", "google_access_lost", "step_moved", "step_skipped", "block_kept")
CLAIM_SECONDS = 3600


@dataclass(frozen=True)
class ClaimedNotification:
    notification: CalendarNotification
    user: User | None  # None when the person is gone or inactive: nothing to tell, mark it delivered


def record_notification(session: AsyncSession, user_id: uuid.UUID, kind: str, payload: dict[str, Any],
                        now: datetime) -> CalendarNotification:
    """Add a notification inside the caller's transaction, so it exists exactly when the change it reports does."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown calendar notification kind {kind!r}")
    notification = CalendarNotification(user_id=user_id, kind=kind, payload=payload, created_at=now)
    session.add(notification)
    return notification


class CalendarNotifications:
    def __init__(self, db: Database, clock: Clock, cache: Cache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    async def pending(self, *, limit: int = 100, user_id: uuid.UUID | None = None) -> list[CalendarNotification]:
        async with self.db.read() as session:
            return await CalendarRepository(session).pending_notifications(limit, user_id)

    async def mark_delivered(self, ids: list[uuid.UUID]) -> int:
        async with self.db.transaction() as session:
            return await CalendarRepository(session).mark_delivered(ids, self.clock.now())

    async def claim(self, *, limit: int = 100) -> list[ClaimedNotification]:
        """Undelivered notifications no other sender holds, each with its person, now held by this caller."""
        async with self.db.read() as session:
            users = UserRepository(session)
            pending = [(notification, await users.get(notification.user_id))
                       for notification in await CalendarRepository(session).pending_notifications(limit)]
        return [ClaimedNotification(notification, user if user is not None and user.is_active else None)
                for notification, user in pending
                if await self.cache.set_if_absent(self._claim_key(notification.id), "1", CLAIM_SECONDS)]

    async def release(self, notification_id: uuid.UUID) -> None:
        await self.cache.delete(self._claim_key(notification_id))

    @staticmethod
    def _claim_key(notification_id: uuid.UUID) -> str:
        return f"calendar:notification:{notification_id}"
