"""A person's Google Calendar connection once OAuth (google_oauth.py) has made it: who hears of it, the tokens'
refresh, the push channel, disconnecting, and the local cache of Google events with its statistics."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from core.cache import Cache
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarChannel, GoogleConnection
from core.repositories.calendar import CalendarRepository
from core.services.calendar.google_oauth import GoogleOAuth, google_not_configured
from core.services.calendar.google_sync import TokenCipher
from core.services.calendar.providers import CalendarProviders
from core.services.calendar.push import PushChannels

log = logging.getLogger("mechta.calendar")


@dataclass(frozen=True)
class CacheStats:
    provider: str
    cached_events: int
    cache_hits: int
    cache_misses: int
    cache_hit_ratio: float | None
    last_sync: datetime | None
    last_full_sync: datetime | None
    sync_pending: bool


class GoogleAccount:
    def __init__(self, db: Database, cache: Cache, cipher: TokenCipher, providers: CalendarProviders,
                 oauth: GoogleOAuth, push: PushChannels) -> None:
        self.db = db
        self.cache = cache
        self.cipher = cipher
        self.providers = providers
        self.oauth = oauth
        self.push = push
        # Called with the user id after a Google calendar is connected (the outbox also gets a notification).
        self.on_connected: list[Callable[[uuid.UUID], Awaitable[None]]] = []

    async def finish_connect(self, *, state: str | None, code: str | None, error: str | None,
                             browser_key: str | None) -> GoogleConnection:
        connection, _ = await self.oauth.callback(state=state, code=code, error=error, browser_key=browser_key)
        return await self._announce(connection)

    async def connect_with_code(self, user: User, code: str, redirect_uri: str | None = None) -> GoogleConnection:
        """Connect with an authorization code the client obtained itself (seed 000's POST /calendar/code)."""
        connection, _ = await self.oauth.exchange_code(user, code, redirect_uri)
        return await self._announce(connection)

    async def _announce(self, connection: GoogleConnection) -> GoogleConnection:
        async with self.db.read() as session:
            user = await session.get(User, connection.user_id)
        if user is not None:
            await self.push.open_at_connect(user)
        for callback in list(self.on_connected):
            try:
                await callback(connection.user_id)
            except Exception:
                log.exception("on_connected listener failed for user %s", connection.user_id)
        return connection

    async def connection(self, user: User) -> GoogleConnection | None:
        async with self.db.read() as session:
            return await CalendarRepository(session).connection(user.id)

    async def refresh_token(self, user: User) -> datetime | None:
        provider = self.providers.google(user)
        creds, _ = await provider.credentials()
        return await provider.refresh(creds)

    async def watch(self, user: User) -> CalendarChannel:
        if not self.providers.google_configured:
            raise google_not_configured()
        return await self.push.watch(user)

    async def disconnect(self, user: User) -> bool:
        """Revoke at Google, stop push channels, and delete the tokens, channels and cached events.
        Returns False when no Google calendar was connected."""
        connection = await self.connection(user)
        if connection is None:
            return False
        from cryptography.fernet import InvalidToken  # here, not at import: see TokenCipher

        provider = self.providers.google(user)
        for channel in await self.push.channels(user):
            await self.push.stop_channel(provider, channel)
        token = None
        try:
            token = self.cipher.decrypt(connection.refresh_token_enc or connection.access_token_enc)
        except InvalidToken:
            log.warning("cannot decrypt the Google token of user %s; forgetting it without revoking", user.id)
        if token:
            await self.oauth.revoke(token)
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            row = await repo.connection(user.id, for_update=True)
            if row is not None:
                await session.delete(row)
            await repo.delete_channels(user.id)
            await repo.delete_events(user.id, "google")
            await repo.delete_oauth_requests(user.id)
        await self.cache.delete(*self._stats_keys(user.id))
        return True

    async def cache_stats(self, user: User) -> CacheStats:
        hits_key, misses_key = self._stats_keys(user.id)
        hits = int(await self.cache.get_json(hits_key) or 0)
        misses = int(await self.cache.get_json(misses_key) or 0)
        async with self.db.read() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user.id) if self.providers.google_configured else None
            source = "google" if connection else "mechta"
            count = await repo.count_events(user.id, source)
        total = hits + misses
        return CacheStats(
            provider=source, cached_events=count, cache_hits=hits, cache_misses=misses,
            cache_hit_ratio=round(hits / total, 4) if total else None,
            last_sync=connection.last_sync_at if connection else None,
            last_full_sync=connection.last_full_sync_at if connection else None,
            sync_pending=bool(connection and connection.sync_due_at),
        )

    async def clear_cache(self, user: User) -> int:
        """Drop cached Google events and the sync cursor (the next read does a full sync). Mechta's own
        calendar is not a cache and is never cleared."""
        await self.cache.delete(*self._stats_keys(user.id))
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user.id, for_update=True)
            if connection is None:
                return 0
            connection.sync_token = None
            connection.last_sync_at = None
            return await repo.delete_events(user.id, "google")

    @staticmethod
    def _stats_keys(user_id: uuid.UUID) -> tuple[str, str]:
        """The hit and miss counters the Google provider keeps (`GoogleCalendarProvider._hit`)."""
        return f"calendar:cache:{user_id}:hits", f"calendar:cache:{user_id}:misses"
