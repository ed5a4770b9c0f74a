"""CalendarService: the calendar feature's root, shared by the bot, the API and the scheduler.

It builds the feature's parts and keeps the event use cases itself (a planned block's step follows the block):
- `providers`: which calendar holds a person's events (Google when connected, else Mechta's own + its ICS feed)
- `planner`: free time, the week's preview, other times for a block, the commit (week_planner.py)
- `advisor`: the AI's words about a week or a goal's blocks (advice.py)
- `oauth`, `google`, `push`: connecting Google, the connection and its cache, push channels
- `notifications`, `reminders`: calendar news and block-start reminders, claimed for whoever tells the person
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.cache import Cache
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarEvent, CalendarFeed
from core.errors import BadRequest, Conflict, NotFound, Unprocessable
from core.repositories.calendar import CalendarRepository
from core.repositories.goals import StepRepository
from core.security import new_token
from core.services.ai import AIService
from core.services.calendar import steps_bridge
from core.services.calendar.advice import CalendarAdvisor
from core.services.calendar.google_account import GoogleAccount
from core.services.calendar.google_oauth import GoogleOAuth
from core.services.calendar.google_sync import GoogleApi, TokenCipher
from core.services.calendar.ics import build_feed
from core.services.calendar.notifications import CalendarNotifications, record_notification
from core.services.calendar.planning import Interval
from core.services.calendar.provider import BulkItemResult, CalendarInfo, SyncResult
from core.services.calendar.providers import CalendarProviders
from core.services.calendar.push import PushChannels
from core.services.calendar.reminders import CalendarReminders
from core.services.calendar.validation import check_range, clean_event_changes, clean_event_input
from core.services.calendar.week_planner import WeekPlanner

log = logging.getLogger("mechta.calendar")

BULK_MAX = 100
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 365


@dataclass(frozen=True)
class CalendarStatus:
    provider: str
    google_configured: bool
    google_connected: bool
    google_email: str | None
    feed_url: str | None


class CalendarService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache, *, ai: AIService,
                 google_api: GoogleApi | None = None) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        # Shared by the Google parts (and by the deletion of a person's data, which revokes their grant).
        self.cipher = TokenCipher(settings.token_encryption_keys.get_secret_value())
        self.google_api = google_api or GoogleApi(settings)
        self.providers = CalendarProviders(db, clock, settings, cache, self.google_api, self.cipher)
        self.planner = WeekPlanner(db, clock, settings, cache, self.providers)
        self.advisor = CalendarAdvisor(db, clock, ai, self.providers, self.planner)
        self.oauth = GoogleOAuth(db, clock, settings, self.cipher, self.google_api)
        self.push = PushChannels(db, clock, settings, cache, self.providers.google)
        self.google = GoogleAccount(db, cache, self.cipher, self.providers, self.oauth, self.push)
        self.notifications = CalendarNotifications(db, clock, cache)
        self.reminders = CalendarReminders(db, clock, cache)

    async def status(self, user: User) -> CalendarStatus:
        async with self.db.read() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user.id) if self.providers.google_configured else None
            feed = await repo.feed_of(user.id)
        return CalendarStatus(
            provider="google" if connection is not None else "mechta",
            google_configured=self.providers.google_configured,
            google_connected=connection is not None,
            google_email=connection.google_email if connection else None,
            feed_url=self.feed_url(feed.token) if feed else None,
        )

    # events
    async def list_calendars(self, user: User) -> list[CalendarInfo]:
        return await (await self.providers.for_user(user)).list_calendars()

    async def list_events(self, user: User, start: datetime, end: datetime, *,
                          force_sync: bool = False, full_sync: bool = False) -> list[CalendarEvent]:
        """`force_sync` syncs incrementally first; `full_sync` (seed 000's `forcefullsync`) re-reads everything."""
        start, end = check_range(start, end)
        provider = await self.providers.for_user(user)
        if force_sync or full_sync:
            await provider.sync(force_full=full_sync)
        return await provider.list_events(start, end)

    async def get_event(self, user: User, event_id: uuid.UUID) -> CalendarEvent:
        return await (await self.providers.for_user(user)).get_event(event_id)

    async def create_event(self, user: User, data: dict[str, Any]) -> CalendarEvent:
        return await (await self.providers.for_user(user)).create_event(clean_event_input(data))

    async def patch_event(self, user: User, event_id: uuid.UUID,
                          data: dict[str, Any]) -> tuple[CalendarEvent, list[str]]:
        """Change an event; a planned block that moves to another day takes its step along."""
        provider = await self.providers.for_user(user)
        current = await provider.get_event(event_id)
        changes = clean_event_changes(data, current)
        updated_fields = [name for name, value in changes.items()
                          if getattr(current, {"start": "start_at", "end": "end_at"}.get(name, name)) != value]
        if not updated_fields:
            return current, []
        event = await provider.patch_event(event_id, {name: changes[name] for name in updated_fields})
        if event.step_id is not None and "start" in updated_fields:
            planned = event.start_at.astimezone(ZoneInfo(user.time_zone)).date()
            async with self.db.transaction() as session:
                now = self.clock.now()
                step = await steps_bridge.follow_block(session, user.id, event.step_id, now=now,
                                                       planned_date=planned)
                if step is not None:
                    record_notification(session, user.id, "step_moved", {
                        "step_id": str(step.id), "event_id": str(event.id), "title": step.title,
                        "old_start": current.start_at.isoformat(), "new_start": event.start_at.isoformat(),
                        "planned_date": planned.isoformat()}, now)
        return event, updated_fields

    async def delete_event(self, user: User, event_id: uuid.UUID) -> None:
        """Delete an event; a planned block taken away marks its step skipped (as a block deleted in Google does)."""
        provider = await self.providers.for_user(user)
        event = await provider.get_event(event_id)
        await provider.delete_event(event_id)
        if event.step_id is None:
            return
        async with self.db.transaction() as session:
            now = self.clock.now()
            step = await steps_bridge.follow_block(session, user.id, event.step_id, now=now, skip=True)
            if step is not None:
                record_notification(session, user.id, "step_skipped",
                                    {"step_id": str(step.id), "event_id": str(event.id), "title": step.title}, now)

    async def follow_step(self, user_id: uuid.UUID, step_id: uuid.UUID, old_date: date | None,
                          new_date: date | None) -> CalendarEvent | None:
        """A step rescheduled in the steps feature (/today "tomorrow", PUT /steps) takes its block along: the same
        local time on the new day when that time is free, else the block stays and the person is told (a
        "block_kept" notification). A step without a date on either side has no day to follow, so nothing moves.
        Returns the block as it is now, or None when the step has no block on its old day."""
        if old_date is None or new_date is None or old_date == new_date:
            return None
        async with self.db.read() as session:
            user = await session.get(User, user_id)
        if user is None:
            return None
        zone = ZoneInfo(user.time_zone)
        provider = await self.providers.for_user(user)
        old_day_start = datetime.combine(old_date, time(0), tzinfo=zone).astimezone(UTC)
        old_day_end = datetime.combine(old_date + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        block = next((e for e in await provider.list_events(old_day_start, old_day_end) if e.step_id == step_id),
                     None)
        if block is None:
            return None
        new_start = datetime.combine(new_date, block.start_at.astimezone(zone).time(),
                                     tzinfo=zone).astimezone(UTC)
        new_end = new_start + (block.end_at - block.start_at)
        if await self.planner.time_is_free(user, provider, new_date, Interval(new_start, new_end)):
            return await provider.patch_event(block.id, {"start": new_start, "end": new_end})
        async with self.db.transaction() as session:
            step = await StepRepository(session).get(user.id, step_id)
            record_notification(session, user.id, "block_kept", {
                "step_id": str(step_id), "event_id": str(block.id), "title": step.title if step else block.title,
                "start": block.start_at.isoformat(), "planned_date": new_date.isoformat()}, self.clock.now())
        return block

    async def bulk_patch(self, user: User, items: list[tuple[uuid.UUID, dict[str, Any]]]) -> list[BulkItemResult]:
        """Patch many events with bounded concurrency; every item gets its own result, one failure stops nothing."""
        if not items:
            raise Unprocessable("CALENDAR_BULK_EMPTY", "Send at least one event change.")
        if len(items) > BULK_MAX:
            raise Unprocessable("CALENDAR_BULK_TOO_LARGE", f"At most {BULK_MAX} events per request.")
        gate = asyncio.Semaphore(max(1, self.settings.google_bulk_concurrency))

        async def one(event_id: uuid.UUID, data: dict[str, Any]) -> BulkItemResult:
            async with gate:
                try:
                    event, fields = await self.patch_event(user, event_id, data)
                except (NotFound, Unprocessable, Conflict, BadRequest) as exc:
                    return BulkItemResult(str(event_id), "error", code=exc.code, message=exc.message)
                except Exception as exc:
                    code = getattr(exc, "code", "CALENDAR_UPDATE_FAILED")
                    return BulkItemResult(str(event_id), "error", code=code, message="The event was not updated.")
                return BulkItemResult(str(event_id), "success", updated_fields=fields, event=event,
                                      message="Event updated." if fields else "Nothing to change.")

        return list(await asyncio.gather(*(one(event_id, data) for event_id, data in items)))

    async def sync(self, user: User, *, force_full: bool = False) -> SyncResult:
        return await (await self.providers.for_user(user)).sync(force_full=force_full)

    async def today_blocks(self, user: User) -> list[CalendarEvent]:
        """Today's events in the user's zone (planned blocks carry `step_id`), for the morning prompt."""
        zone = ZoneInfo(user.time_zone)
        today = self.clock.now().astimezone(zone).date()
        start = datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return await (await self.providers.for_user(user)).list_events(start, end)

    # ICS feed
    def feed_url(self, token: str) -> str:
        return f"{self.settings.effective_public_base_url}/api/v1/calendar/feed/{token}.ics"

    async def feed(self, user: User, *, rotate: bool = False) -> str:
        """The user's secret feed URL, created on first use; `rotate=True` retires the old URL."""
        async with self.db.transaction() as session:
            feed = await CalendarRepository(session).feed_of(user.id)
            if feed is None:
                feed = CalendarFeed(user_id=user.id, token=new_token(24), created_at=self.clock.now())
                session.add(feed)
            elif rotate:
                feed.token = new_token(24)
                feed.created_at = self.clock.now()
        return self.feed_url(feed.token)

    async def feed_ics(self, token: str) -> bytes:
        if not token or len(token) > 64:
            raise NotFound("CALENDAR_FEED_NOT_FOUND", "Calendar feed not found.")
        async with self.db.read() as session:
            feed = await CalendarRepository(session).feed_by_token(token)
            user = await session.get(User, feed.user_id) if feed else None
        if feed is None or user is None or not user.is_active:
            raise NotFound("CALENDAR_FEED_NOT_FOUND", "Calendar feed not found.")
        now = self.clock.now()
        provider = await self.providers.for_user(user)
        events = await provider.list_events(now - timedelta(days=FEED_PAST_DAYS),
                                            now + timedelta(days=FEED_FUTURE_DAYS))
        return build_feed(events, locale=user.locale, time_zone=user.time_zone, now=now)
