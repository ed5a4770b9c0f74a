"""The placer and free slots: pure functions, checked with fixed cases and with hypothesis."""
from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.services.calendar.planning import (
    Interval,
    PlannableStep,
    PlanningRules,
    Window,
    alternative_starts,
    fits_free_time,
    free_slots,
    local_instant_bounds,
    place,
    planning_week_start,
)

BERLIN = ZoneInfo("Europe/Berlin")
ALL_DAYS = frozenset(range(7))
WORK = PlanningRules(windows=(Window(time(9), time(18), frozenset(range(5))),), buffer_minutes=10,
                     daily_cap_minutes=120, min_block_minutes=15, default_step_minutes=30)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def step(title: str, minutes: int | None = 30, priority: int = 2, planned: date | None = None) -> PlannableStep:
    return PlannableStep(id=uuid.uuid5(uuid.NAMESPACE_URL, title), title=title, priority=priority,
                         estimated_minutes=minutes, planned_date=planned)


def test_free_slots_keep_a_buffer_around_busy_time():
    monday = datetime(2026, 6, 1, tzinfo=BERLIN)
    busy = [Interval(datetime(2026, 6, 1, 10, tzinfo=BERLIN), datetime(2026, 6, 1, 11, tzinfo=BERLIN))]
    slots = free_slots(WORK, BERLIN, monday, monday + timedelta(days=1), busy)
    assert [(s.start.astimezone(BERLIN).time(), s.end.astimezone(BERLIN).time()) for s in slots] == [
        (time(9), time(9, 50)), (time(11, 10), time(18))]


def test_weekend_has_no_working_slots():
    saturday = datetime(2026, 6, 6, tzinfo=BERLIN)
    assert free_slots(WORK, BERLIN, saturday, saturday + timedelta(days=2), []) == []


def test_most_important_step_gets_the_earliest_slot_and_daily_cap_spills_to_next_day():
    monday = datetime(2026, 6, 1, tzinfo=BERLIN)
    slots = free_slots(WORK, BERLIN, monday, monday + timedelta(days=7), [])
    steps = [step("low", 90, priority=3), step("top", 60, priority=1), step("mid", 60, priority=2)]
    placement = place(steps, slots, WORK, BERLIN)
    by_title = {b.step.title: b for b in placement.blocks}
    assert by_title["top"].start.astimezone(BERLIN) == datetime(2026, 6, 1, 9, tzinfo=BERLIN)
    assert by_title["mid"].start.astimezone(BERLIN) == datetime(2026, 6, 1, 10, 10, tzinfo=BERLIN)
    assert by_title["low"].local_date == date(2026, 6, 2)  # 60 + 60 used Monday's 120 minutes


def test_a_step_prefers_its_planned_day():
    monday = datetime(2026, 6, 1, tzinfo=BERLIN)
    slots = free_slots(WORK, BERLIN, monday, monday + timedelta(days=7), [])
    placement = place([step("thursday", planned=date(2026, 6, 4))], slots, WORK, BERLIN)
    assert placement.blocks[0].local_date == date(2026, 6, 4)


def test_step_longer_than_the_daily_cap_is_reported_not_placed():
    monday = datetime(2026, 6, 1, tzinfo=BERLIN)
    slots = free_slots(WORK, BERLIN, monday, monday + timedelta(days=7), [])
    placement = place([step("marathon", 300)], slots, WORK, BERLIN)
    assert placement.blocks == [] and placement.unplaced[0].reason == "over_daily_cap"


def test_spring_forward_gap_shrinks_the_window_instead_of_inventing_time():
    # 02:30 does not exist on 29 March 2026 in Berlin; the window keeps only instants that read 01:00..02:30.
    bounds = local_instant_bounds(date(2026, 3, 29), time(1, 0), time(2, 30), BERLIN)
    assert bounds is not None
    assert bounds.start.astimezone(BERLIN).time() == time(1, 0)
    assert bounds.end.astimezone(BERLIN).time() <= time(2, 30)
    assert bounds.minutes <= 60


def test_fall_back_day_has_a_25_hour_day_of_windows():
    rules = PlanningRules(windows=(Window(time(0, 0), time(23, 59), ALL_DAYS),), buffer_minutes=0,
                          daily_cap_minutes=2000, min_block_minutes=15)
    day = datetime(2026, 10, 25, tzinfo=BERLIN)
    slots = free_slots(rules, BERLIN, day.astimezone(UTC),
                       (day + timedelta(days=1)).astimezone(UTC), [])
    assert sum(s.minutes for s in slots) == 24 * 60 + 59


def test_moved_block_outside_free_time_is_rejected():
    monday = datetime(2026, 6, 1, tzinfo=BERLIN)
    busy = [Interval(datetime(2026, 6, 1, 10, tzinfo=BERLIN), datetime(2026, 6, 1, 11, tzinfo=BERLIN))]
    slots = free_slots(WORK, BERLIN, monday, monday + timedelta(days=1), busy)
    blocks = [Interval(datetime(2026, 6, 1, 10, 30, tzinfo=BERLIN), datetime(2026, 6, 1, 11, tzinfo=BERLIN)),
              Interval(datetime(2026, 6, 1, 12, tzinfo=BERLIN), datetime(2026, 6, 1, 13, tzinfo=BERLIN)),
              Interval(datetime(2026, 6, 1, 13, 5, tzinfo=BERLIN), datetime(2026, 6, 1, 13, 30, tzinfo=BERLIN))]
    assert fits_free_time(blocks, slots, WORK, BERLIN) == ["not_free", None, "overlaps_block"]


# property-based ----------------------------------------------------------------------------------------------

DST_WEEKS = [date(2026, 3, 23), date(2026, 10, 19), date(2026, 6, 1), date(2027, 3, 22)]
quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def windows(draw):
    result = []
    for _ in range(draw(st.integers(1, 3))):
        a, b = sorted(draw(st.lists(quarter_hours, min_size=2, max_size=2, unique=True)))
        days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
        result.append(Window(a, b, days))
    return tuple(result)


@st.composite
def scenarios(draw):
    monday = draw(st.sampled_from(DST_WEEKS))
    start = datetime.combine(monday, time(0), tzinfo=BERLIN).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=BERLIN).astimezone(UTC)
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        offset = draw(st.integers(0, 7 * 24 * 4 - 1))
        length = draw(st.integers(1, 16))
        busy_start = start + timedelta(minutes=15 * offset)
        busy.append(Interval(busy_start, busy_start + timedelta(minutes=15 * length)))
    rules = PlanningRules(windows=draw(windows()), buffer_minutes=draw(st.sampled_from([0, 5, 10, 15])),
                          daily_cap_minutes=draw(st.sampled_from([30, 60, 120, 240])), min_block_minutes=15,
                          default_step_minutes=30)
    steps = [PlannableStep(id=uuid.UUID(int=i + 1), title=f"s{i}", priority=draw(st.integers(1, 3)),
                           estimated_minutes=draw(st.one_of(st.none(), st.integers(5, 180))),
                           planned_date=draw(st.one_of(st.none(), st.just(monday + timedelta(days=i % 7)))))
             for i in range(draw(st.integers(0, 12)))]
    return rules, start, end, busy, steps


def _samples(block):
    """Every 5 minutes of the block and its last second (blocks may span adjacent windows)."""
    moments, moment = [], block.start
    while moment < block.end:
        moments.append(moment)
        moment += timedelta(minutes=5)
    return [*moments, block.end - timedelta(seconds=1)]


def _inside_some_window(moment: datetime, rules: PlanningRules) -> bool:
    local = moment.astimezone(BERLIN)
    return any(local.weekday() in w.weekdays and w.start <= local.time() < w.end for w in rules.windows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_placer_never_overlaps_busy_time_never_leaves_hours_never_exceeds_the_cap(scenario):
    rules, start, end, busy, steps = scenario
    slots = free_slots(rules, BERLIN, start, end, busy)
    placement = place(steps, slots, rules, BERLIN)
    buffer = timedelta(minutes=rules.buffer_minutes)
    per_day: dict[date, int] = {}
    for block in placement.blocks:
        assert start <= block.start < block.end <= end
        assert not any(Interval(b.start - buffer, b.end + buffer).overlaps(Interval(block.start, block.end))
                       for b in busy)
        assert all(_inside_some_window(moment, rules) for moment in _samples(block))
        per_day[block.local_date] = per_day.get(block.local_date, 0) + block.minutes
    assert all(minutes <= rules.daily_cap_minutes for minutes in per_day.values())
    ordered = sorted(placement.blocks, key=lambda b: b.start)
    for first, second in itertools.pairwise(ordered):
        assert first.end + buffer <= second.start
    assert len(placement.blocks) + len(placement.unplaced) == len(steps)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_placer_is_deterministic_whatever_the_input_order(scenario):
    rules, start, end, busy, steps = scenario
    slots = free_slots(rules, BERLIN, start, end, busy)
    first = place(steps, slots, rules, BERLIN)
    second = place(list(reversed(steps)), list(reversed(slots)), rules, BERLIN)
    assert [(b.step.id, b.start) for b in first.blocks] == [(b.step.id, b.start) for b in second.blocks]


def test_on_sunday_the_week_to_plan_is_the_next_one():
    weekdays = [planning_week_start(date(2026, 6, day)) for day in range(1, 8)]

    assert weekdays == [date(2026, 6, 1)] * 6 + [date(2026, 6, 8)]


def test_alternatives_keep_the_buffer_from_other_blocks_and_the_cap_of_each_day():
    slots = [Interval(utc(2026, 6, 1, 7), utc(2026, 6, 1, 16)), Interval(utc(2026, 6, 2, 7), utc(2026, 6, 2, 16)),
             Interval(utc(2026, 6, 3, 7), utc(2026, 6, 3, 16))]
    moving = Interval(utc(2026, 6, 1, 7), utc(2026, 6, 1, 8))
    others = [Interval(utc(2026, 6, 1, 8, 10), utc(2026, 6, 1, 9))]

    starts = alternative_starts(moving, others, slots, BERLIN, buffer_minutes=10, daily_cap_minutes=120,
                                load_minutes={date(2026, 6, 2): 90})

    # Monday: right after the other block and its buffer; Tuesday is 90 of 120 minutes full; Wednesday is free.
    assert starts == [utc(2026, 6, 1, 9, 10), utc(2026, 6, 3, 7)]
