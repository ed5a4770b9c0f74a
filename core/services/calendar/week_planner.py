"""Planning the week: the person's free time, the placer's preview, other times for a block, and the commit that
writes the chosen blocks to their calendar in one operation (each step then follows its block's day)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.cache import Cache
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarEvent
from core.errors import Conflict, NotFound, Unprocessable
from core.services.calendar import steps_bridge
from core.services.calendar.ics import PLANNED_BY, feed_locale
from core.services.calendar.planning import (
    Interval,
    Placement,
    PlanningRules,
    alternative_starts,
    fits_free_time,
    free_slots,
    place,
    planning_week_start,
    rules_from_settings,
    week_monday,
)
from core.services.calendar.provider import CalendarProvider, EventInput
from core.services.calendar.providers import CalendarProviders
from core.services.calendar.validation import aware, check_range

COMMIT_LOCK_SECONDS = 60
ALTERNATIVES_MAX = 10
PROBLEM_TEXT = {
    "invalid_range": "The block must end after it starts.",
    "not_free": "This time is not free (another event, outside your hours, or in the past).",
    "overlaps_block": "This block overlaps another block of the plan.",
    "over_daily_cap": "This day already has as much planned as your daily limit allows.",
}


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
    # Minutes of step blocks already in the calendar, per local day: they count toward the daily cap.
    load_minutes: dict[date, int] = field(default_factory=dict)


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


class WeekPlanner:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache,
                 providers: CalendarProviders) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.providers = providers

    def rules_for(self, user: User) -> PlanningRules:
        return rules_from_settings(self.settings, day_start=user.morning_time, day_end=user.evening_time)

    def planning_week(self, user: User) -> date:
        """The Monday of the week the person plans today (on Sunday, the next week)."""
        return planning_week_start(self.clock.local_today(user.time_zone))

    async def free_slots(self, user: User, start: datetime, end: datetime) -> list[Interval]:
        start, end = check_range(start, end, max_days=31)
        start = max(start, self._earliest_start())
        if end <= start:
            return []
        provider = await self.providers.for_user(user)
        busy = await provider.free_busy(start, end)
        return free_slots(self.rules_for(user), ZoneInfo(user.time_zone), start, end, busy)

    async def time_is_free(self, user: User, provider: CalendarProvider, day: date, block: Interval) -> bool:
        """Whether a block fits the free time of its local day: hours, other events with buffers, the daily cap."""
        zone = ZoneInfo(user.time_zone)
        range_start = max(datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC), self._earliest_start())
        range_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        if block.start < range_start or block.end > range_end:
            return False
        slots, load, _events = await self._planning_inputs(user, provider, range_start, range_end)
        return fits_free_time([block], slots, self.rules_for(user), zone, load_minutes=load) == [None]

    async def preview_week(self, user: User, *, week_start: date | None = None,
                           step_ids: list[uuid.UUID] | None = None) -> WeekPlan:
        """Place the week's open steps into free time. Nothing is written; the same calendar gives the same plan."""
        monday, range_start, range_end = self._week_bounds(user, week_start)
        provider = await self.providers.for_user(user)
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
                        slots=slots, load_minutes=load)

    async def alternatives(self, user: User, *, blocks: list[BlockChoice], step_id: uuid.UUID,
                           week_start: date | None = None, limit: int = 3) -> list[Interval]:
        """Other times for one block of a plan the person is shaping (`blocks`: the plan's blocks as they stand):
        the earliest fitting start in each free slot of the week, by the rules a commit checks."""
        if not 1 <= limit <= ALTERNATIVES_MAX:
            raise Unprocessable(fields={"limit": [f"From 1 to {ALTERNATIVES_MAX}"]})
        _check_unique(blocks)
        moving = next((b for b in blocks if b.step_id == step_id), None)
        if moving is None:
            raise Unprocessable(fields={"step_id": ["Not one of the plan's blocks"]})
        _monday, range_start, range_end = self._week_bounds(user, week_start)
        provider = await self.providers.for_user(user)
        slots, load, _events = await self._planning_inputs(user, provider, range_start, range_end)
        others = [Interval(aware(b.start, "start"), aware(b.end, "end")) for b in blocks if b.step_id != step_id]
        block = Interval(aware(moving.start, "start"), aware(moving.end, "end"))
        if block.end <= block.start:
            raise Unprocessable("CALENDAR_INVALID_RANGE", "The block must end after it starts.",
                                fields={"end": ["Must be after start"]})
        rules = self.rules_for(user)
        starts = alternative_starts(block, others, slots, ZoneInfo(user.time_zone),
                                    buffer_minutes=rules.buffer_minutes, daily_cap_minutes=rules.daily_cap_minutes,
                                    load_minutes=load, limit=limit)
        return [Interval(start, start + (block.end - block.start)) for start in starts]

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
        _check_unique(choices)
        monday, range_start, range_end = self._week_bounds(user, week_start)
        provider = await self.providers.for_user(user)
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
        blocks = [Interval(aware(c.start, "start"), aware(c.end, "end")) for c in fresh]
        problems = fits_free_time(blocks, slots, self.rules_for(user), zone, load_minutes=load)
        accepted: list[tuple[BlockChoice, Interval]] = []
        for choice, block, problem in zip(fresh, blocks, problems, strict=True):
            if problem is not None:
                results.append(CommitItem(choice.step_id, steps_by_id[choice.step_id].title, "rejected",
                                          block.start, block.end, code=f"CALENDAR_SLOT_{problem.upper()}",
                                          message=PROBLEM_TEXT[problem]))
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
                                              description=PLANNED_BY[feed_locale(user.locale)]))
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


def _check_unique(choices: list[BlockChoice]) -> None:
    if len({c.step_id for c in choices}) != len(choices):
        raise Unprocessable("CALENDAR_DUPLICATE_STEP", "Each step can have one block.",
                            fields={"items": ["A step appears twice"]})
