"""A step rescheduled in the steps feature takes its Mechta-calendar block along (same local time on the new day),
or, when that time is taken, the block stays and the person is told."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.calendar.conftest import BERLIN_FIELDS, MONDAY, add_steps, step_row
from tests.helpers import make_user

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN)


async def planned(container, *specs):
    user = await make_user(container, **BERLIN_FIELDS)
    steps = await add_steps(container, user, *specs)
    await container.calendar.planner.commit_week(user)
    return user, steps


async def block_times(container, user) -> dict[str, tuple[datetime, datetime]]:
    events = await container.calendar.list_events(user, berlin(1, 0), berlin(8, 0))
    return {event.title: (event.start_at, event.end_at) for event in events if event.step_id}


async def test_moving_a_step_to_tomorrow_moves_its_block_to_the_same_time(container, monday_clock):
    user, (read,) = await planned(container, ("Read", 30, 2, MONDAY))
    assert await block_times(container, user) == {"Read": (berlin(1, 9), berlin(1, 9, 30))}

    await container.steps.move_to_tomorrow(user.id, read.id)

    assert await block_times(container, user) == {"Read": (berlin(2, 9), berlin(2, 9, 30))}
    assert (await step_row(container, read.id)).planned_date == MONDAY + timedelta(days=1)
    assert await container.calendar.notifications.pending(user_id=user.id) == []


async def test_a_taken_time_keeps_the_block_and_tells_the_person(container, monday_clock):
    user, (read,) = await planned(container, ("Read", 30, 2, MONDAY))
    await container.calendar.create_event(user, {"title": "Dentist", "start": berlin(3, 9), "end": berlin(3, 10)})
    step = await step_row(container, read.id)
    fields = {name: getattr(step, name) for name in ("title", "level", "status", "goal_id", "parent_id",
                                                     "estimated_minutes", "priority")}

    await container.steps.update(user.id, read.id, {**fields, "planned_date": MONDAY + timedelta(days=2)})

    assert await block_times(container, user) == {"Read": (berlin(1, 9), berlin(1, 9, 30))}
    (news,) = await container.calendar.notifications.pending(user_id=user.id)
    assert news.kind == "block_kept"
    assert news.payload["planned_date"] == "2026-06-03" and news.payload["title"] == "Read"


async def test_a_step_without_a_block_changes_date_quietly(container, monday_clock):
    user = await make_user(container, **BERLIN_FIELDS)
    (read,) = await add_steps(container, user, ("Read", 30, 2, MONDAY))

    change = await container.steps.move_to_tomorrow(user.id, read.id)

    assert change.step.planned_date == MONDAY + timedelta(days=1)
    assert await block_times(container, user) == {}
    assert await container.calendar.notifications.pending(user_id=user.id) == []


async def test_a_block_moved_or_deleted_changes_its_step_through_the_steps_rules(container, monday_clock):
    user, (read, write) = await planned(container, ("Read", 30, 2, MONDAY), ("Write", 30, 2, MONDAY))
    blocks = {event.title: event for event in await container.calendar.list_events(user, berlin(1, 0), berlin(8, 0))}
    monday_clock.advance(minutes=7)

    await container.calendar.patch_event(user, blocks["Read"].id, {"start": berlin(4, 10), "end": berlin(4, 10, 30)})
    await container.calendar.delete_event(user, blocks["Write"].id)

    moved, skipped = await step_row(container, read.id), await step_row(container, write.id)
    assert (moved.status, moved.planned_date, moved.updated_at) == ("planned", MONDAY + timedelta(days=3),
                                                                    monday_clock.now())
    assert (skipped.status, skipped.completed_at, skipped.updated_at) == ("skipped", None, monday_clock.now())
