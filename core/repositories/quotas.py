"""Queries on AI usage counters. Never commits: the calling service owns the transaction."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import AIUsageCounter


class QuotaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _counter(self, user_id: uuid.UUID, resource: str, period: str):
        return (AIUsageCounter.user_id == user_id, AIUsageCounter.resource == resource,
                AIUsageCounter.period == period)

    async def ensure_counter(self, user_id: uuid.UUID, resource: str, period: str, now: datetime) -> None:
        """Create the month's counter at zero unless it exists; safe when two requests race to create it."""
        dialect = self.session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(AIUsageCounter).values(
            id=uuid.uuid4(), user_id=user_id, resource=resource, period=period, used=0, created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["user_id", "resource", "period"])
        await self.session.execute(stmt)

    async def increment_below(self, user_id: uuid.UUID, resource: str, period: str, limit: int,
                              now: datetime) -> bool:
        """Take one unit if fewer than `limit` are used; the check and the increment are one statement."""
        stmt = (
            update(AIUsageCounter)
            .where(*self._counter(user_id, resource, period), AIUsageCounter.used < limit)
            .values(used=AIUsageCounter.used + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).rowcount == 1

    async def decrement(self, user_id: uuid.UUID, resource: str, period: str, now: datetime) -> bool:
        stmt = (
            update(AIUsageCounter)
            .where(*self._counter(user_id, resource, period), AIUsageCounter.used > 0)
            .values(used=AIUsageCounter.used - 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).rowcount == 1

    async def used(self, user_id: uuid.UUID, resource: str, period: str) -> int:
        value = await self.session.scalar(select(AIUsageCounter.used).where(*self._counter(user_id, resource, period)))
        return value or 0

    async def used_in_period(self, user_id: uuid.UUID, period: str) -> dict[str, int]:
        rows = await self.session.execute(
            select(AIUsageCounter.resource, AIUsageCounter.used)
            .where(AIUsageCounter.user_id == user_id, AIUsageCounter.period == period)
        )
        return {row.resource: row.used for row in rows}
