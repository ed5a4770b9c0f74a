"""Queries on sessions, email verifications and password resets. Never commits: the service owns the transaction."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import AuthSession, EmailVerification, PasswordReset


class AuthSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, session_id: uuid.UUID, *, for_update: bool = False) -> AuthSession | None:
        stmt = select(AuthSession).where(AuthSession.id == session_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def live_for_user(self, user_id: uuid.UUID, now: datetime) -> list[AuthSession]:
        stmt = (select(AuthSession)
                .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None), AuthSession.expires_at > now)
                .order_by(AuthSession.last_used_at.desc(), AuthSession.created_at.desc()))
        return list((await self.session.scalars(stmt)).all())

    async def rotate(self, session_id: uuid.UUID, *, presented_jti: str, new_jti: str, now: datetime,
                     expires_at: datetime) -> bool:
        """Swap the session's refresh token id only if it still is the presented one; False when another
        request rotated it first (the conditional UPDATE makes concurrent refreshes race-safe on any backend)."""
        result = await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.refresh_jti == presented_jti,
                   AuthSession.revoked_at.is_(None))
            .values(refresh_jti=new_jti, refresh_generation=AuthSession.refresh_generation + 1,
                    last_used_at=now, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def revoke(self, session_id: uuid.UUID, *, now: datetime, reason: str) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )

    async def revoke_all(self, user_id: uuid.UUID, *, now: datetime, reason: str) -> int:
        result = await self.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount


class EmailVerificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, verification: EmailVerification) -> EmailVerification:
        self.session.add(verification)
        return verification

    async def by_token_hash(self, token_hash: str, *, for_update: bool = False) -> EmailVerification | None:
        stmt = select(EmailVerification).where(EmailVerification.token_hash == token_hash)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def delete_unused_for_user(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(EmailVerification)
            .where(EmailVerification.user_id == user_id, EmailVerification.used_at.is_(None))
            .execution_options(synchronize_session=False)
        )


class PasswordResetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, reset: PasswordReset) -> PasswordReset:
        self.session.add(reset)
        return reset

    async def by_token_hash(self, token_hash: str, *, for_update: bool = False) -> PasswordReset | None:
        stmt = select(PasswordReset).where(PasswordReset.token_hash == token_hash)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def delete_unused_for_user(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(PasswordReset)
            .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
            .execution_options(synchronize_session=False)
        )
