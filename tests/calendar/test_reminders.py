"""Block reminders, snoozes and calendar news as the calendar service hands them out: each one once, even to two
scheduler processes asking at the same moment (real Redis claims), and only while the step is still open."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from core.bootstrap import Container
from core.services.calendar.notifications import record_notification
from core.services.calendar.reminders import SNOOZE_MINUTES
from tests.calendar.conftest import BERLIN_FIELDS, MONDAY, add_steps
from tests.helpers import make_user


@pytest.fixture
async def other_process(container: Container) -> AsyncIterator[Container]:
    """A second scheduler process: its own engine and Redis connection on the same database and key prefix."""
    twin = Container(container.settings, clock=container.clock)
    try:
        yield twin
    finally:
        await twin.close()


async def planned_block(container: Container):
    user = await make_user(container, **BERLIN_FIELDS)
    (step,) = await add_steps(container, user, ("Read", 30, 2, MONDAY))
    await container.calendar.planner.commit_week(user)
    (block,) = await container.calendar.today_blocks(user)
    return user, step, block


async def test_a_starting_block_is_handed_out_once_to_two_processes(container, other_process, monday_clock):
    user, step, block = await planned_block(container)
    monday_clock.set(block.start_at + timedelta(minutes=2))

    first, second = await asyncio.gather(container.calendar.reminders.blocks_due(monday_clock.now()),
                                         other_process.calendar.reminders.blocks_due(monday_clock.now()))
    later = await container.calendar.reminders.blocks_due(monday_clock.now() + timedelta(minutes=1))

    (reminder,) = first + second
    assert (reminder.user.id, reminder.step_id, reminder.title) == (user.id, step.id, "Read")
    assert (reminder.start, reminder.end) == (block.start_at, block.end_at)
    assert later == []


async def test_no_reminder_for_a_block_long_started_or_a_closed_step(container, monday_clock):
    user, step, block = await planned_block(container)
    reminders = container.calendar.reminders

    too_late = await reminders.blocks_due(block.start_at + timedelta(minutes=11))
    await container.steps.skip(user.id, step.id)
    closed = await reminders.blocks_due(block.start_at + timedelta(minutes=1))

    assert (too_late, closed) == ([], [])


async def test_a_snooze_is_due_once_after_its_minutes_and_a_double_tap_adds_nothing(container, other_process,
                                                                                  monday_clock):
    user, step, _block = await planned_block(container)
    reminders = container.calendar.reminders

    due = await reminders.snooze(user.id, step.id)
    again = await reminders.snooze(user.id, step.id)
    early = await reminders.snoozes_due(due - timedelta(minutes=1))
    first, second = await asyncio.gather(reminders.snoozes_due(due),
                                         other_process.calendar.reminders.snoozes_due(due))

    assert due == monday_clock.now().replace(second=0) + timedelta(minutes=SNOOZE_MINUTES) and again is None
    assert early == []
    assert [(r.step_id, r.start) for r in first + second] == [(step.id, None)]


async def test_a_snooze_for_a_step_done_meanwhile_is_dropped(container, monday_clock):
    user, step, _block = await planned_block(container)
    due = await container.calendar.reminders.snooze(user.id, step.id)

    await container.steps.mark_done(user.id, step.id)

    assert await container.calendar.reminders.snoozes_due(due) == []


async def test_news_is_claimed_by_one_process_and_a_released_one_comes_back(container, other_process, monday_clock):
    user = await make_user(container, **BERLIN_FIELDS)
    async with container.db.transaction() as session:
        record_notification(session, user.id, "google_access_lost", {}, monday_clock.now())
    notifications = container.calendar.notifications

    first, second = await asyncio.gather(notifications.claim(), other_process.calendar.notifications.claim())
    (claimed,) = first + second
    await notifications.release(claimed.notification.id)
    (again,) = await other_process.calendar.notifications.claim()
    await notifications.mark_delivered([again.notification.id])

    assert claimed.user.id == user.id and again.notification.id == claimed.notification.id
    assert await notifications.claim() == []
