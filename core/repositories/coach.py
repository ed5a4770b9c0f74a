"""Queries on the coach's short memory. Never commits: the calling service owns the transaction."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import CoachTurn


class CoachRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recent(self, user_id: uuid.UUID, limit: int) -> list[CoachTurn]:
        """The last `limit` turns, oldest first."""
        stmt = select(CoachTurn).where(CoachTurn.user_id == user_id).order_by(CoachTurn.id.desc()).limit(limit)
        return list(reversed(list(await self.session.scalars(stmt))))

    async def add(self, user_id: uuid.UUID, role: str, content: str, now: datetime) -> int:
        turn = CoachTurn(user_id=user_id, role=role, content=content, created_at=now)
        self.session.add(turn)
        await self.session.flush()
        return turn.id

    async def remove(self, user_id: uuid.UUID, turn_id: int) -> None:
        await self.session.execute(delete(CoachTurn).where(CoachTurn.user_id == user_id, CoachTurn.id == turn_id))

    async def keep_last(self, user_id: uuid.UUID, keep: int) -> None:
        """Forget every turn but the last `keep`."""
        newest = (select(CoachTurn.id).where(CoachTurn.user_id == user_id)
                  .order_by(CoachTurn.id.desc()).limit(keep).subquery())
        oldest_kept = select(func.min(newest.c.id)).scalar_subquery()
        await self.session.execute(delete(CoachTurn).where(CoachTurn.user_id == user_id, CoachTurn.id < oldest_kept))

    async def clear(self, user_id: uuid.UUID) -> int:
        result = await self.session.execute(delete(CoachTurn).where(CoachTurn.user_id == user_id))
        return result.rowcount or 0
