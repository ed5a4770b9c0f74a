"""Queries on life wheel entries, always scoped to one user. Never commits."""
from __future__ import annotations

import uuid

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import LifeWheelEntry

# Newest first; the id breaks ties between entries saved in the same microsecond, so paging is stable.
_NEWEST_FIRST = (LifeWheelEntry.created_at.desc(), LifeWheelEntry.id.desc())
_COLUMNS = tuple(LifeWheelEntry.__table__.columns)
_INSERT = insert(LifeWheelEntry.__table__)


class WheelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, entry: LifeWheelEntry) -> LifeWheelEntry:
        """Save a new entry with one INSERT of its values, not through the unit of work: an entry is never changed
        after it is written, so there is nothing to track (the object stays outside the session)."""
        await self.session.execute(_INSERT, {column.key: getattr(entry, column.key) for column in _COLUMNS})
        return entry

    async def get(self, user_id: uuid.UUID, entry_id: uuid.UUID) -> LifeWheelEntry | None:
        stmt = select(LifeWheelEntry).where(LifeWheelEntry.id == entry_id, LifeWheelEntry.user_id == user_id)
        return (await self.session.scalars(stmt)).first()

    async def latest(self, user_id: uuid.UUID) -> LifeWheelEntry | None:
        stmt = select(LifeWheelEntry).where(LifeWheelEntry.user_id == user_id).order_by(*_NEWEST_FIRST).limit(1)
        return (await self.session.scalars(stmt)).first()

    async def before(self, entry: LifeWheelEntry) -> LifeWheelEntry | None:
        """The same user's entry that precedes `entry` in (created_at, id) order."""
        stmt = (
            select(LifeWheelEntry)
            .where(
                LifeWheelEntry.user_id == entry.user_id,
                or_(LifeWheelEntry.created_at < entry.created_at,
                    and_(LifeWheelEntry.created_at == entry.created_at, LifeWheelEntry.id < entry.id)),
            )
            .order_by(*_NEWEST_FIRST)
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def page(self, user_id: uuid.UUID, *, offset: int, limit: int) -> list[LifeWheelEntry]:
        stmt = (select(LifeWheelEntry).where(LifeWheelEntry.user_id == user_id).order_by(*_NEWEST_FIRST)
                .offset(offset).limit(limit))
        return list(await self.session.scalars(stmt))

    async def count(self, user_id: uuid.UUID) -> int:
        stmt = select(func.count()).select_from(LifeWheelEntry).where(LifeWheelEntry.user_id == user_id)
        return int(await self.session.scalar(stmt) or 0)
