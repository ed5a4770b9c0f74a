"""/today's day plan is read with one Core statement on a read connection, no ORM session: its steps come back as
they were stored, in the plan's order."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.scheduler.support import at, tg_user


async def test_the_day_plan_reads_its_steps_as_stored_without_an_orm_session(container) -> None:
    container.clock.set(at("UTC", 2026, 3, 10, 9, 0))
    user = await tg_user(container, time_zone="UTC", onboarded_at=container.clock.now())
    today = container.clock.now().date()
    goal = (await container.goals.create_batch(user.id, [{"title": "Get fit", "horizon": "1y"}])).items[0]
    stored = (await container.steps.create_batch(user.id, [
        {"goal_id": goal.id, "title": "Read", "level": "day", "planned_date": today, "priority": 3},
        {"goal_id": goal.id, "title": "Jog", "level": "day", "planned_date": today, "estimated_minutes": 20,
         "priority": 1},
    ])).items
    orm_statements = []

    def seen(execution) -> None:
        orm_statements.append(execution.statement)

    event.listen(Session, "do_orm_execute", seen)
    try:
        plan = await container.rituals.day_plan(user)
    finally:
        event.remove(Session, "do_orm_execute", seen)

    assert orm_statements == []
    fields = ("id", "goal_id", "title", "status", "planned_date", "estimated_minutes", "priority", "created_at")
    expected = sorted(stored, key=lambda step: step.priority)
    assert [[getattr(step, name) for name in fields] for step in plan.steps] == \
        [[getattr(step, name) for name in fields] for step in expected]
    assert (plan.date, plan.morning_done, plan.evening_done) == (today, False, False)
