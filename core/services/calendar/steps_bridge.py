"""What the calendar needs from steps: the week's plannable steps, and a step following its block."""
from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Step
from core.db.models.goals import OPEN_STEP_STATUSES
from core.repositories.goals import StepRepository
from core.services.calendar.planning import PlannableStep


def plannable(step: Step) -> PlannableStep:
    return PlannableStep(id=step.id, title=step.title, priority=step.priority,
                         estimated_minutes=step.estimated_minutes, planned_date=step.planned_date,
                         goal_id=step.goal_id)


async def week_steps(session: AsyncSession, user_id: uuid.UUID, first: date, last: date,
                     step_ids: Collection[uuid.UUID] | None = None) -> list[Step]:
    """Open steps planned within [first, last], or exactly the given ones (still open, still the user's)."""
    repo = StepRepository(session)
    if step_ids:
        steps = await repo.many(user_id, step_ids)
        return [s for s in steps if s.is_open]
    return await repo.planned_between(user_id, first, last, statuses=OPEN_STEP_STATUSES)


async def follow_block(session: AsyncSession, user_id: uuid.UUID, step_id: uuid.UUID, *, now: datetime,
                       planned_date: date | None = None, skip: bool = False) -> Step | None:
    """Move an open step to its block's new day, or skip it when the block is gone. Done steps stay done."""
    step = await StepRepository(session).get(user_id, step_id, for_update=True)
    if step is None or not step.is_open:
        return None
    if skip:
        step.skip(now)
    elif planned_date is not None:
        step.move_to(planned_date, now)
    return step
