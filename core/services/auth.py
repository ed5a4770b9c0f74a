"""Authentication: sessions (refresh-token families), access tokens, and the checks every request makes."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import AuthSession, User
from core.errors import Forbidden, Unauthorized
from core.security import ACCESS, REFRESH, TokenCodec


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    session_id: uuid.UUID


@dataclass(frozen=True)
class Principal:
    user: User
    session: AuthSession


class AuthService:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.codec = TokenCodec(settings.jwt_secret_key, settings.jwt_algorithm)

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.access_token_expire_minutes)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(days=self.settings.refresh_token_expire_days)

    def _pair(self, user_id: uuid.UUID, session: AuthSession) -> TokenPair:
        now = self.clock.now()
        access = self.codec.encode(subject=user_id, token_type=ACCESS, session_id=session.id, now=now,
                                   ttl=self.access_ttl)
        refresh = self.codec.encode(subject=user_id, token_type=REFRESH, session_id=session.id, now=now,
                                    ttl=self.refresh_ttl, jti=session.refresh_jti)
        return TokenPair(access, refresh, "bearer", int(self.access_ttl.total_seconds()), session.id)

    async def start_session(self, user: User, *, user_agent: str | None = None,
                            ip_address: str | None = None, session=None) -> TokenPair:
        """Open a new session for the user and issue its first token pair (inside the caller's transaction if given)."""
        now = self.clock.now()
        auth_session = AuthSession(
            id=uuid.uuid4(), user_id=user.id, refresh_jti=uuid.uuid4().hex, refresh_generation=0,
            user_agent=(user_agent or "")[:512] or None, ip_address=ip_address, created_at=now, last_used_at=now,
            expires_at=now + self.refresh_ttl,
        )
        if session is not None:
            session.add(auth_session)
        else:
            async with self.db.transaction() as tx:
                tx.add(auth_session)
        return self._pair(user.id, auth_session)

    async def authenticate_access_token(self, token: str) -> Principal:
        """The user and session behind an access token; a revoked session is refused at once."""
        try:
            payload = self.codec.decode(token, now=self.clock.now())
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("AUTH_TOKEN_EXPIRED", "The access token has expired; refresh it.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("AUTH_INVALID_TOKEN", "The access token is invalid.") from exc
        if payload.get("type") != ACCESS:
            raise Unauthorized("AUTH_INVALID_TOKEN_TYPE", "An access token is required.")
        try:
            user_id = uuid.UUID(payload["sub"])
            session_id = uuid.UUID(payload["session_id"])
        except (ValueError, TypeError) as exc:
            raise Unauthorized("AUTH_INVALID_TOKEN", "The access token is invalid.") from exc
        async with self.db.read() as tx:
            auth_session = await tx.get(AuthSession, session_id)
            user = await tx.get(User, user_id)
        if auth_session is None or auth_session.user_id != user_id or user is None:
            raise Unauthorized("AUTH_INVALID_TOKEN", "The access token is invalid.")
        if auth_session.revoked_at is not None:
            raise Unauthorized("AUTH_SESSION_REVOKED", "This session has been signed out.")
        if not user.is_active:
            raise Forbidden("AUTH_USER_INACTIVE", "This account is disabled.")
        return Principal(user=user, session=auth_session)
