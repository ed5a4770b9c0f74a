"""Queries on the XP ledger, achievements and the ritual days streaks are counted from. Never commits."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import JournalEntry, User, UserAchievement, XPEvent


class GamificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_event_once(self, event: XPEvent) -> bool:
        """Insert the event unless the same (user, reason, ref) is in the ledger already; False when it is. One
        statement, safe when two requests race: the second waits for the first and inserts nothing (a NULL ref
        never conflicts)."""
        insert = postgresql.insert if self.session.bind.dialect.name == "postgresql" else sqlite.insert
        stmt = (insert(XPEvent)
                .values(id=event.id or uuid.uuid4(), user_id=event.user_id, reason=event.reason, xp=event.xp,
                        ref=event.ref, created_at=event.created_at)
                .on_conflict_do_nothing(index_elements=["user_id", "reason", "ref"])
                .returning(XPEvent.id))
        return (await self.session.execute(stmt)).first() is not None

    async def total_xp(self, user_id: uuid.UUID) -> int:
        stmt = select(func.coalesce(func.sum(XPEvent.xp), 0)).where(XPEvent.user_id == user_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def event_counts(self, user_id: uuid.UUID) -> dict[str, int]:
        stmt = select(XPEvent.reason, func.count()).where(XPEvent.user_id == user_id).group_by(XPEvent.reason)
        return {reason: int(count) for reason, count in (await self.session.execute(stmt)).all()}

    async def ritual_days(self, user_id: uuid.UUID) -> list[date]:
        """Distinct local days with at least one ritual entry, oldest first."""
        stmt = (select(JournalEntry.local_date).where(JournalEntry.user_id == user_id)
                .distinct().order_by(JournalEntry.local_date))
        return list((await self.session.scalars(stmt)).all())

    async def achievements(self, user_id: uuid.UUID) -> dict[str, UserAchievement]:
        stmt = select(UserAchievement).where(UserAchievement.user_id == user_id)
        return {row.code: row for row in (await self.session.scalars(stmt)).all()}

    def add_achievement(self, achievement: UserAchievement) -> UserAchievement:
        self.session.add(achievement)
        return achievement

    async def leaderboard(self, limit: int) -> list[tuple[uuid.UUID, str, int]]:
        """(user id, display name, total XP) of opted-in users with a display name, best first."""
        total = func.coalesce(func.sum(XPEvent.xp), 0).label("total")
        stmt = (
            select(User.id, User.display_name, total)
            .outerjoin(XPEvent, XPEvent.user_id == User.id)
            .where(User.leaderboard_opt_in.is_(True), User.display_name.is_not(None), User.is_active.is_(True))
            .group_by(User.id, User.display_name)
            .order_by(total.desc(), User.display_name, User.id)
            .limit(limit)
        )
        return [(row[0], row[1], int(row[2])) for row in (await self.session.execute(stmt)).all()]
