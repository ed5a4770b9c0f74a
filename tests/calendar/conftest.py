"""Calendar test helpers: a fixed Monday morning in Berlin, and goals with steps planned for that week."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import pytest

from core.db.models import Goal, Step, User

# Monday 1 June 2026, 08:00 in Berlin (06:00 UTC).
MONDAY = date(2026, 6, 1)
START = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
BERLIN_FIELDS = {"time_zone": "Europe/Berlin", "morning_time": time(8, 0), "evening_time": time(21, 0)}


@pytest.fixture
def monday_clock(clock):
    clock.set(START)
    return clock


async def add_steps(container, user: User, *specs: tuple[str, int, int, date | None]) -> list[Step]:
    """specs: (title, estimated_minutes, priority, planned_date)."""
    goal = Goal(id=uuid.uuid4(), user_id=user.id, title="Run a half marathon", horizon="1y")
    steps = [Step(id=uuid.uuid4(), user_id=user.id, goal_id=goal.id, title=title, level="week",
                  estimated_minutes=minutes, priority=priority, planned_date=planned)
             for title, minutes, priority, planned in specs]
    async with container.db.transaction() as session:
        session.add(goal)
        await session.flush()
        session.add_all(steps)
    return steps


async def step_row(container, step_id: uuid.UUID) -> Step:
    async with container.db.read() as session:
        return await session.get(Step, step_id)
