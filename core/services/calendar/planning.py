"""Free time and the deterministic placer. Pure functions: no database, no clock, no network.

Everything is computed in UTC instants; the user's rules (working hours, personal hours) are wall-clock times
in their IANA zone, turned into instants day by day so daylight-saving days come out right.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Window:
    """A wall-clock range on some days of the week (0 = Monday)."""

    start: time
    end: time
    weekdays: frozenset[int]


@dataclass(frozen=True)
class PlanningRules:
    windows: tuple[Window, ...]
    buffer_minutes: int = 10
    daily_cap_minutes: int = 120
    min_block_minutes: int = 15
    default_step_minutes: int = 30


@dataclass(frozen=True)
class PlannableStep:
    id: uuid.UUID
    title: str
    priority: int = 2  # 1 is the most important, 3 the least
    estimated_minutes: int | None = None
    planned_date: date | None = None
    goal_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PlacedBlock:
    step: PlannableStep
    start: datetime
    end: datetime
    local_date: date
    # Why the placer put it there: "planned_day" (on the step's own day), "planned_day_full" (that day had no room,
    # so the earliest other fit), "earliest_free" (a step without a day: the earliest fit).
    reason: str = "earliest_free"

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class UnplacedStep:
    step: PlannableStep
    reason: str  # "no_free_slot" | "over_daily_cap"


@dataclass
class Placement:
    blocks: list[PlacedBlock] = field(default_factory=list)
    unplaced: list[UnplacedStep] = field(default_factory=list)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def planning_week_start(today: date) -> date:
    """The week a person plans today: this week; on Sunday the next one (the weekly review plans the week ahead)."""
    monday = week_monday(today)
    return monday + timedelta(days=7) if today.weekday() == 6 else monday


def parse_days(text: str) -> frozenset[int]:
    days = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part not in WEEKDAYS:
            raise ValueError(f"unknown weekday {part!r}; use {','.join(WEEKDAYS)}")
        days.add(WEEKDAYS.index(part))
    return frozenset(days)


def parse_hours(text: str) -> tuple[time, time] | None:
    """'09:00-18:00' → (09:00, 18:00); empty → None."""
    text = text.strip()
    if not text:
        return None
    start_text, _, end_text = text.partition("-")
    start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    if end <= start:
        raise ValueError(f"hours {text!r} must end after they start")
    return start, end


def rules_from_settings(settings, *, day_start: time | None = None, day_end: time | None = None) -> PlanningRules:
    """Working hours on working days, personal hours every day, weekend hours on the other days — clipped to the
    user's own day (from the morning check-in to the evening one) when those are given."""
    work_days = parse_days(settings.calendar_work_days)
    off_days = frozenset(range(7)) - work_days
    windows: list[Window] = []
    for hours, days in ((settings.calendar_work_hours, work_days),
                        (settings.calendar_personal_hours, frozenset(range(7))),
                        (settings.calendar_weekend_hours, off_days)):
        parsed = parse_hours(hours)
        if parsed is None or not days:
            continue
        start, end = parsed
        if day_start is not None:
            start = max(start, day_start)
        if day_end is not None and day_end > time(0):
            end = min(end, day_end)
        if end > start:
            windows.append(Window(start, end, days))
    return PlanningRules(
        windows=tuple(windows),
        buffer_minutes=settings.calendar_buffer_minutes,
        daily_cap_minutes=settings.calendar_daily_cap_minutes,
        min_block_minutes=settings.calendar_min_block_minutes,
        default_step_minutes=settings.calendar_default_step_minutes,
    )


def local_instant_bounds(day: date, start: time, end: time, zone: ZoneInfo) -> Interval | None:
    """The instants whose wall-clock time on `day` lies within [start, end].

    On a daylight-saving day a wall time can be missing (spring forward) or happen twice (fall back); taking the
    later reading for the start and the earlier one for the end keeps every instant inside the wall-clock range.
    """
    def readings(moment: time) -> tuple[datetime, datetime]:
        first = datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
        second = datetime.combine(day, moment, tzinfo=zone).replace(fold=1).astimezone(UTC)
        return first, second

    start_utc = max(readings(start))
    end_utc = min(readings(end))
    return Interval(start_utc, end_utc) if end_utc > start_utc else None


def windows_between(rules: PlanningRules, zone: ZoneInfo, range_start: datetime, range_end: datetime) -> list[Interval]:
    """Allowed intervals (merged, sorted) for every local day touching [range_start, range_end)."""
    first_day = range_start.astimezone(zone).date()
    last_day = range_end.astimezone(zone).date()
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        for window in rules.windows:
            if day.weekday() not in window.weekdays:
                continue
            bounds = local_instant_bounds(day, window.start, window.end, zone)
            if bounds is None:
                continue
            start, end = max(bounds.start, range_start), min(bounds.end, range_end)
            if end > start:
                intervals.append(Interval(start, end))
        day += timedelta(days=1)
    return _merge(intervals)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for item in sorted(intervals, key=lambda i: (i.start, i.end)):
        if merged and item.start <= merged[-1].end:
            if item.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, item.end)
        else:
            merged.append(item)
    return merged


def _subtract(intervals: list[Interval], cuts: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    cuts = _merge(cuts)
    for item in intervals:
        pieces = [item]
        for cut in cuts:
            if cut.start >= item.end:
                break
            next_pieces = []
            for piece in pieces:
                if not piece.overlaps(cut):
                    next_pieces.append(piece)
                    continue
                if piece.start < cut.start:
                    next_pieces.append(Interval(piece.start, cut.start))
                if cut.end < piece.end:
                    next_pieces.append(Interval(cut.end, piece.end))
            pieces = next_pieces
        result.extend(pieces)
    return result


def free_slots(rules: PlanningRules, zone: ZoneInfo, range_start: datetime, range_end: datetime,
               busy: Sequence[Interval]) -> list[Interval]:
    """Allowed time minus busy time widened by the buffer on both sides; slots shorter than a block are dropped.
    Each slot lies within one window, so a block placed in it never crosses hours or days."""
    buffer = timedelta(minutes=rules.buffer_minutes)
    widened = [Interval(b.start - buffer, b.end + buffer) for b in busy if b.end > b.start]
    slots = []
    for window in windows_between(rules, zone, range_start, range_end):
        slots.extend(_subtract([window], widened))
    return [s for s in slots if s.minutes >= rules.min_block_minutes]


def step_minutes(step: PlannableStep, rules: PlanningRules) -> int:
    minutes = step.estimated_minutes or rules.default_step_minutes
    return max(minutes, rules.min_block_minutes)


def placement_order(steps: Iterable[PlannableStep], rules: PlanningRules) -> list[PlannableStep]:
    """Most important first; among equals the longer one first (it is the harder one to fit), then by date,
    title and id so the same input always gives the same plan."""
    return sorted(steps, key=lambda s: (s.priority, -step_minutes(s, rules), s.planned_date or date.max,
                                        s.title, str(s.id)))


def place(steps: Iterable[PlannableStep], slots: Sequence[Interval], rules: PlanningRules, zone: ZoneInfo, *,
          load_minutes: dict[date, int] | None = None) -> Placement:
    """Put each step at the earliest start that fits — on its planned day first, then any day — never over the
    daily cap (`load_minutes` counts what is already planned per local day) and with the buffer between blocks."""
    free = sorted(slots, key=lambda s: s.start)
    load = dict(load_minutes or {})
    buffer = timedelta(minutes=rules.buffer_minutes)
    placement = Placement()
    for step in placement_order(steps, rules):
        minutes = step_minutes(step, rules)
        if minutes > rules.daily_cap_minutes:
            placement.unplaced.append(UnplacedStep(step, "over_daily_cap"))
            continue
        chosen = _choose_slot(free, step, minutes, rules, zone, load)
        if chosen is None:
            placement.unplaced.append(UnplacedStep(step, "no_free_slot"))
            continue
        index, local_day = chosen
        slot = free[index]
        block_end = slot.start + timedelta(minutes=minutes)
        reason = ("earliest_free" if step.planned_date is None
                  else "planned_day" if local_day == step.planned_date else "planned_day_full")
        placement.blocks.append(PlacedBlock(step, slot.start, block_end, local_day, reason))
        load[local_day] = load.get(local_day, 0) + minutes
        rest = Interval(block_end + buffer, slot.end)
        if rest.minutes >= rules.min_block_minutes:
            free[index] = rest
        else:
            del free[index]
    placement.blocks.sort(key=lambda b: b.start)
    return placement


def _choose_slot(free: list[Interval], step: PlannableStep, minutes: int, rules: PlanningRules, zone: ZoneInfo,
                 load: dict[date, int]) -> tuple[int, date] | None:
    fitting: list[tuple[int, date]] = []
    for index, slot in enumerate(free):
        if slot.minutes < minutes:
            continue
        local_day = slot.start.astimezone(zone).date()
        if load.get(local_day, 0) + minutes > rules.daily_cap_minutes:
            continue
        if local_day == step.planned_date:
            return index, local_day
        fitting.append((index, local_day))
    return fitting[0] if fitting else None


def fits_free_time(blocks: Sequence[Interval], slots: Sequence[Interval], rules: PlanningRules, zone: ZoneInfo, *,
                   load_minutes: dict[date, int] | None = None) -> list[str | None]:
    """Check blocks chosen by a person (moved in a preview): each must sit inside one free slot, keep the buffer
    from the others and respect the daily cap. Returns a problem code per block (None when it is fine)."""
    load = dict(load_minutes or {})
    buffer = timedelta(minutes=rules.buffer_minutes)
    problems: list[str | None] = []
    accepted: list[Interval] = []
    for block in blocks:
        if block.end <= block.start:
            problems.append("invalid_range")
            continue
        if not any(slot.start <= block.start and block.end <= slot.end for slot in slots):
            problems.append("not_free")
            continue
        if any(Interval(other.start - buffer, other.end + buffer).overlaps(block) for other in accepted):
            problems.append("overlaps_block")
            continue
        local_day = block.start.astimezone(zone).date()
        if load.get(local_day, 0) + block.minutes > rules.daily_cap_minutes:
            problems.append("over_daily_cap")
            continue
        load[local_day] = load.get(local_day, 0) + block.minutes
        accepted.append(block)
        problems.append(None)
    return problems


def alternative_starts(moving: Interval, others: Sequence[Interval], slots: Sequence[Interval], zone: ZoneInfo, *,
                       buffer_minutes: int, daily_cap_minutes: int, load_minutes: dict[date, int] | None = None,
                       limit: int = 3) -> list[datetime]:
    """Other starts for the block `moving` of a plan whose other blocks are `others`: the earliest start in each
    free slot (in order, at most `limit`) where a block of the same length keeps the buffer from the others and its
    day under the daily cap (`load_minutes` counts what is already in the calendar per local day)."""
    duration = moving.end - moving.start
    buffer = timedelta(minutes=buffer_minutes)
    load = dict(load_minutes or {})
    for other in others:
        day = other.start.astimezone(zone).date()
        load[day] = load.get(day, 0) + other.minutes
    found: list[datetime] = []
    for slot in slots:
        starts = sorted({slot.start, *(other.end + buffer for other in others
                                       if slot.start < other.end + buffer < slot.end)})
        for start in starts:
            block = Interval(start, start + duration)
            day = start.astimezone(zone).date()
            if (block.end > slot.end or start == moving.start
                    or any(Interval(o.start - buffer, o.end + buffer).overlaps(block) for o in others)
                    or load.get(day, 0) + block.minutes > daily_cap_minutes):
                continue
            found.append(start)
            break
        if len(found) >= limit:
            break
    return found
