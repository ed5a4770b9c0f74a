"""Queries on goals and steps, always scoped to one user, plus the inputs goal generation reads. Never commits."""
from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy import case, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import FutureStory, Goal, Step, WantsAnalysis
from core.db.models.goals import STEP_LEVELS

# Widest level first, then by date (undated last), priority and title: the order a plan is read in.
_LEVEL_ORDER = case({level: index for index, level in enumerate(STEP_LEVELS)}, value=Step.level)
_STEP_ORDER = (_LEVEL_ORDER, Step.planned_date.is_(None), Step.planned_date, Step.priority, Step.created_at, Step.id)


class GoalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, goal: Goal) -> Goal:
        self.session.add(goal)
        return goal

    async def get(self, user_id: uuid.UUID, goal_id: uuid.UUID, *, for_update: bool = False) -> Goal | None:
        stmt = select(Goal).where(Goal.id == goal_id, Goal.user_id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def many(self, user_id: uuid.UUID, goal_ids: Collection[uuid.UUID]) -> list[Goal]:
        stmt = select(Goal).where(Goal.user_id == user_id, Goal.id.in_(list(goal_ids)))
        return list(await self.session.scalars(stmt))

    async def list(self, user_id: uuid.UUID, *, horizon: str | None = None, status: str | None = None) -> list[Goal]:
        stmt = select(Goal).where(Goal.user_id == user_id)
        if horizon is not None:
            stmt = stmt.where(Goal.horizon == horizon)
        if status is not None:
            stmt = stmt.where(Goal.status == status)
        return list(await self.session.scalars(stmt.order_by(Goal.created_at, Goal.id)))

    async def list_smart(self, user_id: uuid.UUID, *, include_completed: bool) -> list[Goal]:
        """Goals written as SMART goals (they always have a deadline): most important and nearest first."""
        stmt = select(Goal).where(Goal.user_id == user_id, Goal.time_bound_at.is_not(None))
        if not include_completed:
            stmt = stmt.where(Goal.status != "done")
        return list(await self.session.scalars(
            stmt.order_by(Goal.priority, Goal.time_bound_at, Goal.created_at, Goal.id)))

    async def delete(self, goal: Goal) -> None:
        # Steps go with their goal (the foreign key cascades too; this keeps it explicit and portable).
        await self.session.execute(delete(Step).where(Step.goal_id == goal.id))
        await self.session.delete(goal)

    async def latest_wants_analysis(self, user_id: uuid.UUID) -> WantsAnalysis | None:
        stmt = (select(WantsAnalysis).where(WantsAnalysis.user_id == user_id)
                .order_by(WantsAnalysis.created_at.desc(), WantsAnalysis.id.desc()).limit(1))
        return (await self.session.scalars(stmt)).first()

    async def latest_future_story(self, user_id: uuid.UUID) -> FutureStory | None:
        stmt = (select(FutureStory).where(FutureStory.user_id == user_id)
                .order_by(FutureStory.created_at.desc(), FutureStory.id.desc()).limit(1))
        return (await self.session.scalars(stmt)).first()


class StepRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, step: Step) -> Step:
        self.session.add(step)
        return step

    async def get(self, user_id: uuid.UUID, step_id: uuid.UUID, *, for_update: bool = False) -> Step | None:
        stmt = select(Step).where(Step.id == step_id, Step.user_id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def many(self, user_id: uuid.UUID, step_ids: Collection[uuid.UUID], *,
                   for_update: bool = False) -> list[Step]:
        stmt = select(Step).where(Step.user_id == user_id, Step.id.in_(list(step_ids)))
        if for_update:
            stmt = stmt.with_for_update()
        return list(await self.session.scalars(stmt))

    async def list(self, user_id: uuid.UUID, *, goal_id: uuid.UUID | None = None, level: str | None = None,
                   status: str | None = None) -> list[Step]:
        stmt = select(Step).where(Step.user_id == user_id)
        if goal_id is not None:
            stmt = stmt.where(Step.goal_id == goal_id)
        if level is not None:
            stmt = stmt.where(Step.level == level)
        if status is not None:
            stmt = stmt.where(Step.status == status)
        return list(await self.session.scalars(stmt.order_by(*_STEP_ORDER)))

    async def planned_between(self, user_id: uuid.UUID, first: date, last: date, *,
                              statuses: Collection[str] | None = None) -> list[Step]:
        stmt = select(Step).where(Step.user_id == user_id, Step.planned_date >= first, Step.planned_date <= last)
        if statuses is not None:
            stmt = stmt.where(Step.status.in_(list(statuses)))
        return list(await self.session.scalars(stmt.order_by(Step.planned_date, Step.priority, Step.created_at,
                                                             Step.id)))

    async def undated(self, user_id: uuid.UUID, *, levels: Collection[str], statuses: Collection[str]) -> list[Step]:
        stmt = select(Step).where(Step.user_id == user_id, Step.planned_date.is_(None),
                                  Step.level.in_(list(levels)), Step.status.in_(list(statuses)))
        return list(await self.session.scalars(stmt.order_by(*_STEP_ORDER)))

    async def delete(self, step: Step) -> None:
        await self.session.delete(step)
