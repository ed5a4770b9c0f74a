"""Queries on users. Never commits: the calling service owns the transaction."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        stmt = select(User).where(User.id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return (await self.session.scalars(select(User).where(User.telegram_id == telegram_id))).first()

    async def by_email(self, email: str) -> User | None:
        return (await self.session.scalars(select(User).where(func.lower(User.email) == email.lower()))).first()

    def add(self, user: User) -> User:
        self.session.add(user)
        return user
