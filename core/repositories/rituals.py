"""Queries on ritual journal entries and weekly reviews, always scoped to one user. Never commits."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, and_, bindparam, exists, inspect, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.db.models import JournalEntry, Step, WeeklyReview


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


# /today asks this for every person every day: built once, only the parameters change. The marks are one row; the
# day's steps are joined to it, so a day without steps is that row with no step.
def _entry_written(entry_type: str):
    return exists().where(JournalEntry.user_id == bindparam("user_id"), JournalEntry.type == entry_type,
                          JournalEntry.local_date == bindparam("day"))


def _day_with(reviewed) -> Select:
    marks = select(_entry_written("morning").label("morning"), _entry_written("evening").label("evening"),
                   reviewed.label("reviewed")).subquery("marks")
    return (select(marks.c.morning, marks.c.evening, marks.c.reviewed, Step)
            .select_from(marks)
            .outerjoin(Step, and_(Step.user_id == bindparam("user_id"), Step.planned_date == bindparam("day")))
            .order_by(Step.priority, Step.created_at, Step.id))


_DAY = _day_with(literal(True))
_DAY_WITH_REVIEW = _day_with(exists().where(WeeklyReview.user_id == bindparam("user_id"),
                                            WeeklyReview.week_start == bindparam("week_start")))


# The step's attributes and their columns, to build the steps from a row of `_DAY`.
_STEP_COLUMNS = [(attribute.key, attribute.columns[0]) for attribute in inspect(Step).column_attrs]
_STEP_ID = Step.__table__.c.id


async def read_day(connection: AsyncConnection, user_id: uuid.UUID, local_date: date,
                   review_week_start: date | None) -> tuple[bool, bool, bool, list[Step]]:
    """For /today, in one round trip: (morning entry written, evening entry written, review of the week starting
    `review_week_start` exists, the steps planned for the day — every status, in the order of
    `StepRepository.planned_between`); without a week to look at, the review counts as there. A Core statement on a
    read connection: an ORM session and its execution cost about as much again as the query itself, and the steps are
    only shown (built from their columns, in no session)."""
    stmt = _DAY if review_week_start is None else _DAY_WITH_REVIEW
    params = {"user_id": user_id, "day": local_date, "week_start": review_week_start}
    rows = (await connection.execute(stmt, params)).all()
    morning, evening, reviewed = rows[0][:3]
    steps = [Step(**{key: row._mapping[column] for key, column in _STEP_COLUMNS})
             for row in rows if row._mapping[_STEP_ID] is not None]
    return bool(morning), bool(evening), bool(reviewed), steps
