"""CalendarService: the calendar use cases the bot, the API and the scheduler share.

It picks the provider per user (Google when the app has Google credentials and the user connected a calendar,
Mechta's own calendar otherwise), plans the week's steps into free time, keeps the ICS feed, and delegates
Google's OAuth, sync and push channels to the modules next to it.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.fernet import InvalidToken

from core.cache import Cache
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarChannel, CalendarEvent, CalendarFeed, GoogleConnection
from core.errors import BadRequest, Conflict, NotFound, Unprocessable
from core.prompts.calendar import ANALYZE_CALENDAR, PLAN_GOAL, CalendarAdvice, GoalPlanAdvice
from core.repositories.calendar import CalendarRepository
from core.repositories.goals import GoalRepository, StepRepository
from core.security import new_token
from core.services.ai import AIService
from core.services.calendar import steps_bridge
from core.services.calendar.google_oauth import ConnectStart, GoogleOAuth, google_not_configured
from core.services.calendar.google_sync import GoogleApi, GoogleCalendarProvider, TokenCipher
from core.services.calendar.ics import build_feed
from core.services.calendar.mechta_provider import MechtaCalendarProvider
from core.services.calendar.notifications import CalendarNotifications, record_notification
from core.services.calendar.planning import (
    Interval,
    Placement,
    PlanningRules,
    fits_free_time,
    free_slots,
    place,
    rules_from_settings,
)
from core.services.calendar.provider import (
    EVENT_CHANGE_FIELDS,
    BulkItemResult,
    CalendarInfo,
    CalendarProvider,
    EventInput,
    SyncResult,
)
from core.services.calendar.push import PushAck, PushChannels

log = logging.getLogger("mechta.calendar")

TITLE_MAX = 500
DESCRIPTION_MAX = 5000
LOCATION_MAX = 500
MAX_RANGE_DAYS = 62
MAX_EVENT_DAYS = 14
BULK_MAX = 100
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 365
COMMIT_LOCK_SECONDS = 60


@dataclass(frozen=True)
class CalendarStatus:
    provider: str
    google_configured: bool
    google_connected: bool
    google_email: str | None
    feed_url: str | None


@dataclass
class WeekPlan:
    week_start: date
    time_zone: str
    range_start: datetime
    range_end: datetime
    placement: Placement
    already_scheduled: list[CalendarEvent]
    free_minutes: int
    daily_cap_minutes: int
    slots: list[Interval] = field(default_factory=list)


@dataclass(frozen=True)
class BlockChoice:
    step_id: uuid.UUID
    start: datetime
    end: datetime


@dataclass
class CommitItem:
    step_id: uuid.UUID
    title: str
    status: str  # "created" | "already_scheduled" | "rejected" | "failed"
    start: datetime | None = None
    end: datetime | None = None
    event_id: uuid.UUID | None = None
    code: str | None = None
    message: str = ""


@dataclass(frozen=True)
class CacheStats:
    provider: str
    cached_events: int
    cache_hits: int
    cache_misses: int
    cache_hit_ratio: float | None
    last_sync: datetime | None
    last_full_sync: datetime | None
    sync_pending: bool


def _aware(value: datetime, field_name: str) -> datetime:
    if value.tzinfo is None:
        raise Unprocessable("CALENDAR_INVALID_TIME", "Give times with a UTC offset, e.g. 2026-01-15T10:00:00+03:00.",
                            fields={field_name: ["A time zone offset is required"]})
    return value.astimezone(UTC)


def check_range(start: datetime, end: datetime, *, max_days: int = MAX_RANGE_DAYS) -> tuple[datetime, datetime]:
    start, end = _aware(start, "start"), _aware(end, "end")
    if end <= start:
        raise Unprocessable("CALENDAR_INVALID_RANGE", "The end must be after the start.",
                            fields={"end": ["Must be after start"]})
    if end - start > timedelta(days=max_days):
        raise Unprocessable("CALENDAR_INVALID_RANGE", f"Ask for at most {max_days} days at once.",
                            fields={"end": [f"At most {max_days} days after start"]})
    return start, end


def _clean_text(value: Any, limit: int, name: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Unprocessable(fields={name: ["Must not be empty"]})
    if len(text) > limit:
        raise Unprocessable(fields={name: [f"At most {limit} characters"]})
    return text


def clean_event_input(data: dict[str, Any]) -> EventInput:
    start, end = _aware(data["start"], "start"), _aware(data["end"], "end")
    _check_event_span(start, end)
    return EventInput(
        title=_clean_text(data.get("title"), TITLE_MAX, "title", required=True),
        description=_clean_text(data.get("description"), DESCRIPTION_MAX, "description"),
        location=_clean_text(data.get("location"), LOCATION_MAX, "location"),
        start=start, end=end, all_day=bool(data.get("all_day", False)),
    )


def clean_event_changes(data: dict[str, Any], current: CalendarEvent | None = None) -> dict[str, Any]:
    unknown = set(data) - set(EVENT_CHANGE_FIELDS)
    if unknown:
        raise Unprocessable(fields={name: ["This field cannot be changed"] for name in sorted(unknown)})
    changes: dict[str, Any] = {}
    for name, limit, required in (("title", TITLE_MAX, True), ("description", DESCRIPTION_MAX, False),
                                  ("location", LOCATION_MAX, False)):
        if name in data:
            changes[name] = _clean_text(data[name], limit, name, required=required)
    for name in ("start", "end"):
        if name in data:
            if data[name] is None:
                raise Unprocessable(fields={name: ["Must not be null"]})
            changes[name] = _aware(data[name], name)
    if "all_day" in data:
        changes["all_day"] = bool(data["all_day"])
    if current is not None and ("start" in changes or "end" in changes):
        _check_event_span(changes.get("start", current.start_at), changes.get("end", current.end_at))
    return changes


def _check_event_span(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Unprocessable("CALENDAR_INVALID_RANGE", "An event must end after it starts.",
                            fields={"end": ["Must be after start"]})
    if end - start > timedelta(days=MAX_EVENT_DAYS):
        raise Unprocessable("CALENDAR_INVALID_RANGE", f"An event can last at most {MAX_EVENT_DAYS} days.",
                            fields={"end": [f"At most {MAX_EVENT_DAYS} days after start"]})


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class CalendarService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache, *, ai: AIService,
                 google_api: GoogleApi | None = None) -> None:
        self.db = db
        self.ai = ai
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.cipher = TokenCipher(settings.token_encryption_keys)
        self.google_api = google_api or GoogleApi(settings)
        self.notifications = CalendarNotifications(db, clock)
        self.oauth = GoogleOAuth(db, clock, settings, self.cipher, self.google_api)
        self.push = PushChannels(db, clock, settings, cache, self.google_provider)
        # Called with the user id after a Google calendar is connected (the outbox also gets a notification).
        self.on_connected: list[Callable[[uuid.UUID], Awaitable[None]]] = []

    # providers
    @property
    def google_configured(self) -> bool:
        return bool(self.settings.google_client_id and self.settings.google_client_secret)

    async def provider_for(self, user: User) -> CalendarProvider:
        if self.google_configured:
            async with self.db.read() as session:
                connection = await CalendarRepository(session).connection(user.id)
            if connection is not None:
                return self.google_provider(user)
        return MechtaCalendarProvider(self.db, self.clock, user.id, user.time_zone)

    def google_provider(self, user: User) -> GoogleCalendarProvider:
        return GoogleCalendarProvider(self.db, self.clock, self.settings, self.cache, self.google_api, self.cipher,
                                      user)

    async def status(self, user: User) -> CalendarStatus:
        async with self.db.read() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user.id) if self.google_configured else None
            feed = await repo.feed_of(user.id)
        return CalendarStatus(
            provider="google" if connection is not None else "mechta",
            google_configured=self.google_configured,
            google_connected=connection is not None,
            google_email=connection.google_email if connection else None,
            feed_url=self.feed_url(feed.token) if feed else None,
        )

    # events
    async def list_calendars(self, user: User) -> list[CalendarInfo]:
        return await (await self.provider_for(user)).list_calendars()

    async def list_events(self, user: User, start: datetime, end: datetime, *,
                          force_sync: bool = False) -> list[CalendarEvent]:
        start, end = check_range(start, end)
        provider = await self.provider_for(user)
        if force_sync:
            await provider.sync()
        return await provider.list_events(start, end)

    async def get_event(self, user: User, event_id: uuid.UUID) -> CalendarEvent:
        return await (await self.provider_for(user)).get_event(event_id)

    async def create_event(self, user: User, data: dict[str, Any]) -> CalendarEvent:
        return await (await self.provider_for(user)).create_event(clean_event_input(data))

    async def patch_event(self, user: User, event_id: uuid.UUID,
                          data: dict[str, Any]) -> tuple[CalendarEvent, list[str]]:
        """Change an event; a planned block that moves to another day takes its step along."""
        provider = await self.provider_for(user)
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
        provider = await self.provider_for(user)
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
        provider = await self.provider_for(user)
        old_day_start = datetime.combine(old_date, time(0), tzinfo=zone).astimezone(UTC)
        old_day_end = datetime.combine(old_date + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        block = next((e for e in await provider.list_events(old_day_start, old_day_end) if e.step_id == step_id),
                     None)
        if block is None:
            return None
        new_start = datetime.combine(new_date, block.start_at.astimezone(zone).time(),
                                     tzinfo=zone).astimezone(UTC)
        new_end = new_start + (block.end_at - block.start_at)
        if await self._time_is_free(user, provider, new_date, Interval(new_start, new_end)):
            return await provider.patch_event(block.id, {"start": new_start, "end": new_end})
        async with self.db.transaction() as session:
            step = await StepRepository(session).get(user.id, step_id)
            record_notification(session, user.id, "block_kept", {
                "step_id": str(step_id), "event_id": str(block.id), "title": step.title if step else block.title,
                "start": block.start_at.isoformat(), "planned_date": new_date.isoformat()}, self.clock.now())
        return block

    async def _time_is_free(self, user: User, provider: CalendarProvider, day: date, block: Interval) -> bool:
        """Whether a block fits the free time of its local day: hours, other events with buffers, the daily cap."""
        zone = ZoneInfo(user.time_zone)
        range_start = max(datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC),
                          self._earliest_start())
        range_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        if block.start < range_start or block.end > range_end:
            return False
        slots, load, _events = await self._planning_inputs(user, provider, range_start, range_end)
        return fits_free_time([block], slots, self.rules_for(user), zone, load_minutes=load) == [None]

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
        return await (await self.provider_for(user)).sync(force_full=force_full)

    # planning
    def rules_for(self, user: User) -> PlanningRules:
        return rules_from_settings(self.settings, day_start=user.morning_time, day_end=user.evening_time)

    async def free_slots(self, user: User, start: datetime, end: datetime) -> list[Interval]:
        start, end = check_range(start, end, max_days=31)
        start = max(start, self._earliest_start())
        if end <= start:
            return []
        provider = await self.provider_for(user)
        busy = await provider.free_busy(start, end)
        return free_slots(self.rules_for(user), ZoneInfo(user.time_zone), start, end, busy)

    def _earliest_start(self) -> datetime:
        """Nothing is planned in the past, nor a block starting within the next few minutes."""
        now = self.clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        step = 5 - now.minute % 5
        return now + timedelta(minutes=step % 5)

    def _week_bounds(self, user: User, week_start: date | None) -> tuple[date, datetime, datetime]:
        zone = ZoneInfo(user.time_zone)
        today = self.clock.now().astimezone(zone).date()
        monday = week_monday(week_start or today)
        start_local = datetime.combine(monday, time(0), tzinfo=zone)
        end_local = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
        range_start = max(start_local.astimezone(UTC), self._earliest_start())
        range_end = end_local.astimezone(UTC)
        if range_end <= range_start:
            raise Unprocessable("CALENDAR_WEEK_PASSED", "This week is over; plan this week or a later one.",
                                fields={"week_start": ["The week is over"]})
        if monday > today + timedelta(days=60):
            raise Unprocessable("CALENDAR_INVALID_RANGE", "Plan at most two months ahead.",
                                fields={"week_start": ["At most two months ahead"]})
        return monday, range_start, range_end

    async def _planning_inputs(self, user: User, provider: CalendarProvider, range_start: datetime,
                               range_end: datetime) -> tuple[list[Interval], dict[date, int], list[CalendarEvent]]:
        zone = ZoneInfo(user.time_zone)
        busy = await provider.free_busy(range_start, range_end)
        events = await provider.list_events(range_start, range_end)
        load: dict[date, int] = {}
        for event in events:
            if event.step_id is not None:
                day = event.start_at.astimezone(zone).date()
                load[day] = load.get(day, 0) + int((event.end_at - event.start_at).total_seconds() // 60)
        return free_slots(self.rules_for(user), zone, range_start, range_end, busy), load, events

    async def preview_week(self, user: User, *, week_start: date | None = None,
                           step_ids: list[uuid.UUID] | None = None) -> WeekPlan:
        """Place the week's open steps into free time. Nothing is written; the same calendar gives the same plan."""
        monday, range_start, range_end = self._week_bounds(user, week_start)
        provider = await self.provider_for(user)
        slots, load, events = await self._planning_inputs(user, provider, range_start, range_end)
        async with self.db.read() as session:
            steps = await steps_bridge.week_steps(session, user.id, monday, monday + timedelta(days=6), step_ids)
        scheduled_ids = {e.step_id for e in events if e.step_id is not None}
        already = [e for e in events if e.step_id in {s.id for s in steps}]
        pending = [steps_bridge.plannable(s) for s in steps if s.id not in scheduled_ids]
        rules = self.rules_for(user)
        placement = place(pending, slots, rules, ZoneInfo(user.time_zone), load_minutes=load)
        return WeekPlan(week_start=monday, time_zone=user.time_zone, range_start=range_start, range_end=range_end,
                        placement=placement, already_scheduled=already,
                        free_minutes=sum(s.minutes for s in slots), daily_cap_minutes=rules.daily_cap_minutes,
                        slots=slots)

    async def commit_week(self, user: User, *, week_start: date | None = None,
                          choices: list[BlockChoice] | None = None,
                          step_ids: list[uuid.UUID] | None = None) -> list[CommitItem]:
        """Write the plan to the calendar in one operation. `choices` are the preview's blocks as the person left
        them (moved or removed); without them the current preview is accepted as a whole. A step that already has
        a block is reported, never doubled."""
        lock_key = f"calendar:commit:{user.id}"
        if not await self.cache.set_if_absent(lock_key, "1", COMMIT_LOCK_SECONDS):
            raise Conflict("CALENDAR_PLAN_IN_PROGRESS", "This plan is being saved already.")
        try:
            return await self._commit_week(user, week_start, choices, step_ids)
        finally:
            await self.cache.delete(lock_key)

    async def _commit_week(self, user: User, week_start: date | None, choices: list[BlockChoice] | None,
                           step_ids: list[uuid.UUID] | None) -> list[CommitItem]:
        zone = ZoneInfo(user.time_zone)
        if choices is None:
            plan = await self.preview_week(user, week_start=week_start, step_ids=step_ids)
            choices = ([BlockChoice(b.step.id, b.start, b.end) for b in plan.placement.blocks]
                       + [BlockChoice(e.step_id, e.start_at, e.end_at) for e in plan.already_scheduled])
            if not choices and not plan.already_scheduled:
                raise NotFound("CALENDAR_NOTHING_TO_PLAN", "There are no open steps to place this week.")
        if len({c.step_id for c in choices}) != len(choices):
            raise Unprocessable("CALENDAR_DUPLICATE_STEP", "Each step can have one block.",
                                fields={"items": ["A step appears twice"]})
        monday, range_start, range_end = self._week_bounds(user, week_start)
        provider = await self.provider_for(user)
        slots, load, events = await self._planning_inputs(user, provider, range_start, range_end)
        async with self.db.read() as session:
            steps = await steps_bridge.week_steps(session, user.id, monday, monday + timedelta(days=6),
                                                  [c.step_id for c in choices]) if choices else []
        steps_by_id = {s.id: s for s in steps}
        missing = [c.step_id for c in choices if c.step_id not in steps_by_id]
        if missing:
            raise NotFound("CALENDAR_STEP_NOT_FOUND", "Some steps were not found or are already closed.",
                           details={"step_ids": [str(i) for i in missing]})
        scheduled = {e.step_id: e for e in events if e.step_id is not None}
        results: list[CommitItem] = []
        fresh: list[BlockChoice] = []
        for choice in choices:
            title = steps_by_id[choice.step_id].title
            if choice.step_id in scheduled:
                block = scheduled[choice.step_id]
                results.append(CommitItem(choice.step_id, title, "already_scheduled", block.start_at, block.end_at,
                                          block.id))
            else:
                fresh.append(choice)
        blocks = [Interval(_aware(c.start, "start"), _aware(c.end, "end")) for c in fresh]
        problems = fits_free_time(blocks, slots, self.rules_for(user), zone, load_minutes=load)
        accepted: list[tuple[BlockChoice, Interval]] = []
        for choice, block, problem in zip(fresh, blocks, problems, strict=True):
            if problem is not None:
                results.append(CommitItem(choice.step_id, steps_by_id[choice.step_id].title, "rejected",
                                          block.start, block.end, code=f"CALENDAR_SLOT_{problem.upper()}",
                                          message=_PROBLEM_TEXT[problem]))
            else:
                accepted.append((choice, block))
        results.extend(await self._write_blocks(user, provider, accepted, steps_by_id))
        order = {c.step_id: i for i, c in enumerate(choices)}
        return sorted(results, key=lambda r: order[r.step_id])

    async def _write_blocks(self, user: User, provider: CalendarProvider,
                            accepted: list[tuple[BlockChoice, Interval]], steps_by_id: dict) -> list[CommitItem]:
        zone = ZoneInfo(user.time_zone)
        inputs = [(choice.step_id, EventInput(title=steps_by_id[choice.step_id].title, start=block.start,
                                              end=block.end, step_id=choice.step_id, time_zone=user.time_zone,
                                              description=_BLOCK_DESCRIPTION))
                  for choice, block in accepted]

        async def follow(session, data: EventInput, _event: CalendarEvent) -> None:
            await steps_bridge.follow_block(session, user.id, data.step_id, now=self.clock.now(),
                                            planned_date=data.start.astimezone(zone).date())

        created = await provider.create_many([data for _, data in inputs], on_saved=follow)
        results: list[CommitItem] = []
        for (step_id, data), outcome in zip(inputs, created, strict=True):
            if isinstance(outcome, CalendarEvent):
                results.append(CommitItem(step_id, data.title, "created", data.start, data.end, outcome.id))
            else:
                results.append(CommitItem(step_id, data.title, "failed", data.start, data.end,
                                          code=getattr(outcome, "code", "GOOGLE_API_ERROR"),
                                          message="Google did not save this block; try again."))
        return results

    async def today_blocks(self, user: User) -> list[CalendarEvent]:
        """Today's events in the user's zone (planned blocks carry `step_id`), for the morning prompt."""
        zone = ZoneInfo(user.time_zone)
        today = self.clock.now().astimezone(zone).date()
        start = datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return await (await self.provider_for(user)).list_events(start, end)

    async def blocks_starting(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        """Planned blocks of every user starting in [start, end): the scheduler's reminder source."""
        async with self.db.read() as session:
            return await CalendarRepository(session).blocks_starting(start, end)

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
        provider = await self.provider_for(user)
        events = await provider.list_events(now - timedelta(days=FEED_PAST_DAYS),
                                            now + timedelta(days=FEED_FUTURE_DAYS))
        return build_feed(events, calendar_name="Mechta", time_zone=user.time_zone, now=now)

    # cache
    def _stats_key(self, user_id: uuid.UUID, kind: str) -> str:
        return f"calendar:cache:{user_id}:{kind}"

    async def cache_stats(self, user: User) -> CacheStats:
        hits = int(await self.cache.get_json(self._stats_key(user.id, "hits")) or 0)
        misses = int(await self.cache.get_json(self._stats_key(user.id, "misses")) or 0)
        async with self.db.read() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user.id) if self.google_configured else None
            source = "google" if connection else "mechta"
            count = await repo.count_events(user.id, source)
        total = hits + misses
        return CacheStats(
            provider=source, cached_events=count, cache_hits=hits, cache_misses=misses,
            cache_hit_ratio=round(hits / total, 4) if total else None,
            last_sync=connection.last_sync_at if connection else None,
            last_full_sync=connection.last_full_sync_at if connection else None,
            sync_pending=bool(connection and connection.sync_due_at),
        )

    async def clear_cache(self, user: User) -> int:
        """Drop cached Google events and the sync cursor (the next read does a full sync). Mechta's own
        calendar is not a cache and is never cleared."""
        await self.cache.delete(self._stats_key(user.id, "hits"), self._stats_key(user.id, "misses"))
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user.id, for_update=True)
            if connection is None:
                return 0
            connection.sync_token = None
            connection.last_sync_at = None
            return await repo.delete_events(user.id, "google")

    # Google connection
    async def connect_link(self, user: User) -> tuple[str, datetime]:
        """The one-time "connect Google Calendar" link for the bot to send (with link previews off)."""
        return await self.oauth.connect_link(user)

    async def start_connect(self, link_token: str) -> ConnectStart:
        return await self.oauth.start(link_token)

    async def finish_connect(self, *, state: str | None, code: str | None, error: str | None,
                             browser_key: str | None) -> GoogleConnection:
        connection, _ = await self.oauth.callback(state=state, code=code, error=error, browser_key=browser_key)
        for callback in list(self.on_connected):
            try:
                await callback(connection.user_id)
            except Exception:
                log.exception("on_connected listener failed for user %s", connection.user_id)
        return connection

    async def google_connection(self, user: User) -> GoogleConnection | None:
        async with self.db.read() as session:
            return await CalendarRepository(session).connection(user.id)

    async def refresh_google_token(self, user: User) -> datetime | None:
        provider = self.google_provider(user)
        creds, _ = await provider.credentials()
        return await provider.refresh(creds)

    async def disconnect(self, user: User) -> bool:
        """Revoke at Google, stop push channels, and delete the tokens, channels and cached events.
        Returns False when no Google calendar was connected."""
        connection = await self.google_connection(user)
        if connection is None:
            return False
        provider = self.google_provider(user)
        for channel in await self.push.channels(user):
            await self.push.stop_channel(provider, channel)
        token = None
        try:
            token = self.cipher.decrypt(connection.refresh_token_enc or connection.access_token_enc)
        except InvalidToken:
            log.warning("cannot decrypt the Google token of user %s; forgetting it without revoking", user.id)
        if token:
            await self.oauth.revoke(token)
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            row = await repo.connection(user.id, for_update=True)
            if row is not None:
                await session.delete(row)
            await repo.delete_channels(user.id)
            await repo.delete_events(user.id, "google")
            await repo.delete_oauth_requests(user.id)
        await self.cache.delete(self._stats_key(user.id, "hits"), self._stats_key(user.id, "misses"))
        return True

    # push channels
    async def watch(self, user: User) -> CalendarChannel:
        if not self.google_configured:
            raise google_not_configured()
        return await self.push.watch(user)

    async def handle_push(self, *, channel_id: str | None, token: str | None, resource_state: str | None) -> PushAck:
        return await self.push.handle(channel_id=channel_id, token=token, resource_state=resource_state)

    async def unsubscribe(self, user: User, channel_id: str) -> None:
        await self.push.unsubscribe(user, channel_id)

    async def channels(self, user: User) -> list[CalendarChannel]:
        return await self.push.channels(user)

    async def run_pending_syncs(self, now: datetime | None = None) -> int:
        return await self.push.run_pending_syncs(now)

    async def renew_expiring_channels(self, now: datetime | None = None) -> int:
        return await self.push.renew_expiring_channels(now)

    # AI advice (wording only: every time shown comes from the placer)
    async def analyze_calendar(self, user: User, *, days: int = 7) -> tuple[CalendarAdvice, WeekPlan]:
        """The week ahead read by the AI: analysis and recommendations around the placer's blocks."""
        if not 1 <= days <= 30:
            raise Unprocessable("CALENDAR_INVALID_RANGE", "Analyse between 1 and 30 days.",
                                fields={"days": ["Between 1 and 30"]})
        zone = ZoneInfo(user.time_zone)
        now = self.clock.now()
        events = await self.list_events(user, now, now + timedelta(days=days))
        plan = await self.preview_week(user)
        async with self.db.read() as session:
            goals = await GoalRepository(session).list(user.id, status="active")
        inputs = {
            "time_zone": user.time_zone, "days": days,
            "events": [{"title": e.title[:100], "start": e.start_at.astimezone(zone).strftime("%a %d.%m %H:%M"),
                        "minutes": int((e.end_at - e.start_at).total_seconds() // 60)} for e in events[:100]],
            "busy_minutes": sum(int((e.end_at - e.start_at).total_seconds() // 60) for e in events if e.busy),
            "goals": [g.title for g in goals[:10]],
            "free_minutes": plan.free_minutes,
            "blocks": _blocks_for_ai(plan, zone), "unplaced": [
                {"step_id": str(u.step.id), "title": u.step.title, "reason": u.reason}
                for u in plan.placement.unplaced],
        }
        advice = await self.ai.run(ANALYZE_CALENDAR, user=user, inputs=inputs, error_prefix="CALENDAR")
        return _keep_known_notes(advice, plan), plan

    async def plan_goal(self, user: User, goal_id: uuid.UUID, *, context: str = "") -> tuple[GoalPlanAdvice, WeekPlan]:
        """This week's blocks for one goal's open steps, with the AI's words on when and how often."""
        context = _clean_text(context, 1000, "context")
        async with self.db.read() as session:
            goal = await GoalRepository(session).get(user.id, goal_id)
            steps = await StepRepository(session).list(user.id, goal_id=goal_id) if goal else []
        if goal is None:
            raise NotFound("GOAL_NOT_FOUND", "Goal not found.")
        monday = week_monday(self.clock.now().astimezone(ZoneInfo(user.time_zone)).date())
        step_ids = [s.id for s in steps if s.is_open and s.level in ("week", "day")
                    and (s.planned_date is None or monday <= s.planned_date <= monday + timedelta(days=6))][:50]
        if not step_ids:
            raise NotFound("CALENDAR_NOTHING_TO_PLAN", "This goal has no open week or day steps to place.")
        plan = await self.preview_week(user, step_ids=step_ids)
        zone = ZoneInfo(user.time_zone)
        inputs = {
            "goal": {"title": goal.title, "description": goal.description[:500], "metric": goal.metric},
            "context": context, "time_zone": user.time_zone, "blocks": _blocks_for_ai(plan, zone),
            "slots": [{"start": s.start.astimezone(zone).strftime("%a %d.%m %H:%M"), "minutes": s.minutes}
                      for s in plan.slots[:30]],
        }
        advice = await self.ai.run(PLAN_GOAL, user=user, inputs=inputs, error_prefix="CALENDAR")
        return _keep_known_notes(advice, plan), plan

    # notifications
    async def record(self, user_id: uuid.UUID, kind: str, payload: dict[str, Any]) -> None:
        async with self.db.transaction() as session:
            record_notification(session, user_id, kind, payload, self.clock.now())


def _blocks_for_ai(plan: WeekPlan, zone: ZoneInfo) -> list[dict[str, Any]]:
    return [{"step_id": str(b.step.id), "title": b.step.title, "priority": b.step.priority,
             "weekday": b.start.astimezone(zone).strftime("%A"),
             "start": b.start.astimezone(zone).strftime("%a %d.%m %H:%M"), "minutes": b.minutes}
            for b in plan.placement.blocks]


def _keep_known_notes(advice, plan: WeekPlan):
    """Notes may only talk about blocks the placer made; anything else the AI wrote about is dropped."""
    known = {str(b.step.id) for b in plan.placement.blocks}
    return advice.model_copy(update={"block_notes": [n for n in advice.block_notes if n.step_id in known]})


_BLOCK_DESCRIPTION = "Planned by Mechta"

_PROBLEM_TEXT = {
    "invalid_range": "The block must end after it starts.",
    "not_free": "This time is not free (another event, outside your hours, or in the past).",
    "overlaps_block": "This block overlaps another block of the plan.",
    "over_daily_cap": "This day already has as much planned as your daily limit allows.",
}
