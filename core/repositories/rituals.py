"""Queries on ritual journal entries and weekly reviews, always scoped to one user. Never commits."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import bindparam, exists, literal, select
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

    async def day_marks(self, user_id: uuid.UUID, local_date: date,
                        review_week_start: date | None) -> tuple[bool, bool, bool]:
        """(morning entry written, evening entry written, review of the week starting `review_week_start` exists)
        for one local day, in one round trip; without a week to look at, the review counts as there."""
        stmt = _DAY_MARKS if review_week_start is None else _DAY_MARKS_AND_REVIEW
        params = {"user_id": user_id, "day": local_date, "week_start": review_week_start}
        row = (await self.session.execute(stmt, params)).one()
        return bool(row[0]), bool(row[1]), bool(row[2])


# /today asks these for every person every day: built once, only the parameters change.
def _entry_written(entry_type: str):
    return exists().where(JournalEntry.user_id == bindparam("user_id"), JournalEntry.type == entry_type,
                          JournalEntry.local_date == bindparam("day"))


_DAY_MARKS = select(_entry_written("morning"), _entry_written("evening"), literal(True))
_DAY_MARKS_AND_REVIEW = select(_entry_written("morning"), _entry_written("evening"), exists().where(
    WeeklyReview.user_id == bindparam("user_id"), WeeklyReview.week_start == bindparam("week_start")))
