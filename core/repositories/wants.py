"""Queries on wants records and their analyses. Never commits: the calling service owns the transaction."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import WantsAnalysis, WantsRaw
from core.db.models.wants import WANTS_COMPLETED, WANTS_DRAFT


class WantsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def draft(self, user_id: uuid.UUID, *, for_update: bool = False) -> WantsRaw | None:
        stmt = select(WantsRaw).where(WantsRaw.user_id == user_id, WantsRaw.status == WANTS_DRAFT)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def has_completed(self, user_id: uuid.UUID) -> bool:
        stmt = select(WantsRaw.id).where(WantsRaw.user_id == user_id, WantsRaw.status == WANTS_COMPLETED).limit(1)
        return (await self.session.scalars(stmt)).first() is not None

    async def latest_completed(self, user_id: uuid.UUID) -> WantsRaw | None:
        stmt = (select(WantsRaw).where(WantsRaw.user_id == user_id, WantsRaw.status == WANTS_COMPLETED)
                .order_by(WantsRaw.completed_at.desc(), WantsRaw.created_at.desc(), WantsRaw.id.desc()).limit(1))
        return (await self.session.scalars(stmt)).first()

    async def completed_by_id(self, user_id: uuid.UUID, raw_id: uuid.UUID) -> WantsRaw | None:
        stmt = select(WantsRaw).where(WantsRaw.id == raw_id, WantsRaw.user_id == user_id,
                                      WantsRaw.status == WANTS_COMPLETED)
        return (await self.session.scalars(stmt)).first()

    async def completed_page(self, user_id: uuid.UUID, *, offset: int, limit: int) -> tuple[list[WantsRaw], int]:
        where = (WantsRaw.user_id == user_id, WantsRaw.status == WANTS_COMPLETED)
        total = await self.session.scalar(select(func.count()).select_from(WantsRaw).where(*where))
        stmt = (select(WantsRaw).where(*where)
                .order_by(WantsRaw.completed_at.desc(), WantsRaw.created_at.desc(), WantsRaw.id.desc())
                .offset(offset).limit(limit))
        return list((await self.session.scalars(stmt)).all()), int(total or 0)

    async def expired_streams(self, now: datetime) -> list[WantsRaw]:
        """Drafts whose stream timer ran out while the stream is still open, locked for closing."""
        stmt = (select(WantsRaw)
                .where(WantsRaw.status == WANTS_DRAFT, WantsRaw.stream_started_at.is_not(None),
                       WantsRaw.stream_completed_at.is_(None), WantsRaw.stream_deadline_at <= now)
                .order_by(WantsRaw.stream_deadline_at)
                .with_for_update(skip_locked=True))
        return list((await self.session.scalars(stmt)).all())

    async def stream_notices_due(self, now: datetime, limit: int) -> list[WantsRaw]:
        """Records whose writer is owed a "time's up" notice by now, oldest first."""
        stmt = (select(WantsRaw).where(WantsRaw.stream_notice_due_at <= now)
                .order_by(WantsRaw.stream_notice_due_at, WantsRaw.id).limit(limit))
        return list((await self.session.scalars(stmt)).all())

    async def hold_stream_notice(self, raw_id: uuid.UUID, now: datetime, until: datetime) -> bool:
        """Take the notice if it is still due (compare-and-set, so of two senders exactly one gets it)."""
        stmt = (update(WantsRaw).where(WantsRaw.id == raw_id, WantsRaw.stream_notice_due_at <= now)
                .values(stream_notice_due_at=until).execution_options(synchronize_session=False))
        return (await self.session.execute(stmt)).rowcount == 1

    async def clear_stream_notice(self, raw_id: uuid.UUID) -> None:
        stmt = (update(WantsRaw).where(WantsRaw.id == raw_id).values(stream_notice_due_at=None)
                .execution_options(synchronize_session=False))
        await self.session.execute(stmt)

    def add(self, raw: WantsRaw) -> WantsRaw:
        self.session.add(raw)
        return raw

    async def latest_analysis(self, user_id: uuid.UUID) -> WantsAnalysis | None:
        stmt = (select(WantsAnalysis).where(WantsAnalysis.user_id == user_id)
                .order_by(WantsAnalysis.created_at.desc(), WantsAnalysis.id.desc()).limit(1))
        return (await self.session.scalars(stmt)).first()

    def add_analysis(self, analysis: WantsAnalysis) -> WantsAnalysis:
        self.session.add(analysis)
        return analysis
