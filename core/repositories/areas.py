"""Queries on life areas. Never commits: the calling service owns the transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Area


class AreaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, area_id: str, *, for_update: bool = False) -> Area | None:
        stmt = select(Area).where(Area.id == area_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def list(self, *, include_inactive: bool = False) -> list[Area]:
        stmt = select(Area).order_by(Area.order_index, Area.id)
        if not include_inactive:
            stmt = stmt.where(Area.is_active.is_(True))
        return list(await self.session.scalars(stmt))

    async def active_ids(self) -> list[str]:
        """Ids of the active areas, in wheel order."""
        stmt = select(Area.id).where(Area.is_active.is_(True)).order_by(Area.order_index, Area.id)
        return list(await self.session.scalars(stmt))

    def add(self, area: Area) -> Area:
        self.session.add(area)
        return area
