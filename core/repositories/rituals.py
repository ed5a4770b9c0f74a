"""Queries on ritual journal entries and weekly reviews, always scoped to one user. Never commits."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import JournalEntry, WeeklyReview


class RitualRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: JournalEntry | WeeklyReview) -> None:
        self.session.add(row)

    async def entries_between(self, user_id: uuid.UUID, first: date, last: date) -> list[JournalEntry]:
        stmt = (select(JournalEntry)
                .where(JournalEntry.user_id == user_id, JournalEntry.local_date >= first,
                       JournalEntry.local_date <= last)
                .order_by(JournalEntry.local_date, JournalEntry.type.desc()))
        return list(await self.session.scalars(stmt))

    async def entry(self, user_id: uuid.UUID, entry_type: str, local_date: date) -> JournalEntry | None:
        stmt = select(JournalEntry).where(JournalEntry.user_id == user_id, JournalEntry.type == entry_type,
                                          JournalEntry.local_date == local_date)
        return (await self.session.scalars(stmt)).first()

    async def review(self, user_id: uuid.UUID, week_start: date) -> WeeklyReview | None:
        stmt = select(WeeklyReview).where(WeeklyReview.user_id == user_id, WeeklyReview.week_start == week_start)
        return (await self.session.scalars(stmt)).first()
