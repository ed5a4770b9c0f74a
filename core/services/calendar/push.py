"""Google push channels (events.watch): subscribe, verify each notification, debounce bursts into one sync,
renew before expiry, unsubscribe. A notification carries no data: it only says "something changed"."""
from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from core.cache import Cache
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import CalendarChannel
from core.errors import DomainError, Forbidden, NotFound
from core.repositories.calendar import CalendarRepository
from core.security import constant_time_equals, sha256_hex
from core.services.calendar.google_sync import GoogleCalendarProvider

log = logging.getLogger("mechta.calendar.push")

WEBHOOK_PATH = "/api/v1/webhook/google"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class PushAck:
    accepted: bool
    sync_scheduled: bool


def channel_not_found() -> NotFound:
    return NotFound("GOOGLE_CHANNEL_NOT_FOUND", "Unknown notification channel.")


class PushChannels:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cache: Cache,
                 provider_of: Callable[[User], GoogleCalendarProvider]) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.provider_of = provider_of

    @property
    def address(self) -> str:
        return self.settings.effective_public_base_url + WEBHOOK_PATH

    @property
    def push_allowed(self) -> bool:
        """Google only calls https addresses; plain http is accepted for loopback (tests, a local tunnel)."""
        url = urlsplit(self.settings.public_base_url)
        return url.scheme == "https" or (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS)

    async def open_at_connect(self, user: User) -> CalendarChannel | None:
        """A person who just connected gets a push channel when this deployment can receive pushes; without one,
        polling (`schedule_polls`) keeps their calendar fresh. A failure here never undoes the connection."""
        if not self.push_allowed:
            return None
        try:
            return await self.watch(user)
        except DomainError as exc:
            log.warning("opening a push channel for user %s failed (%s); polling instead", user.id, exc.code)
            return None

    async def schedule_polls(self, now: datetime | None = None) -> int:
        """The scheduler's tick: each connection without a live push channel that has not synced for
        GOOGLE_POLL_MINUTES gets a sync due now (run by `run_pending_syncs`, claimed once)."""
        minutes = self.settings.google_poll_minutes
        if minutes <= 0:
            return 0
        now = now or self.clock.now()
        async with self.db.transaction() as session:
            return await CalendarRepository(session).schedule_polls(now, now - timedelta(minutes=minutes))

    async def watch(self, user: User) -> CalendarChannel:
        """Open a new channel, then stop the older ones (renewal never leaves a gap)."""
        provider = self.provider_of(user)
        connection = await provider.connection()
        channel_id, token = uuid.uuid4().hex, secrets.token_urlsafe(32)
        ttl = int(timedelta(hours=self.settings.google_channel_ttl_hours).total_seconds())

        def watch(creds):
            return provider.api.watch(creds, connection.calendar_id, channel_id=channel_id, token=token,
                                      address=self.address, ttl_seconds=ttl)

        answer = await provider.call(watch)
        expiration = answer.get("expiration")
        expires_at = (datetime.fromtimestamp(int(expiration) / 1000, tz=UTC) if expiration
                      else self.clock.now() + timedelta(seconds=ttl))
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            old = await repo.channels_of(user.id)
            channel = CalendarChannel(user_id=user.id, channel_id=channel_id,
                                      resource_id=str(answer.get("resourceId", ""))[:255],
                                      token_hash=sha256_hex(token), calendar_id=connection.calendar_id,
                                      expires_at=expires_at, created_at=self.clock.now())
            session.add(channel)
        for previous in old:
            await self.stop_channel(provider, previous)
        return channel

    async def stop_channel(self, provider: GoogleCalendarProvider, channel: CalendarChannel) -> None:
        def stop(creds):
            provider.api.stop(creds, channel.channel_id, channel.resource_id)

        try:
            await provider.call(stop)
        except DomainError as exc:
            # An expired or unknown channel cannot be stopped twice; we forget it either way.
            log.info("stopping channel %s: %s", channel.channel_id, exc.code)
        async with self.db.transaction() as session:
            row = await CalendarRepository(session).channel(channel.channel_id)
            if row is not None:
                await session.delete(row)

    async def unsubscribe(self, user: User, channel_id: str) -> None:
        async with self.db.read() as session:
            channel = await CalendarRepository(session).channel(channel_id)
        if channel is None or channel.user_id != user.id:
            raise channel_not_found()
        await self.stop_channel(self.provider_of(user), channel)

    async def channels(self, user: User) -> list[CalendarChannel]:
        async with self.db.read() as session:
            return await CalendarRepository(session).channels_of(user.id)

    async def handle(self, *, channel_id: str | None, token: str | None, resource_state: str | None) -> PushAck:
        """Verify the channel and its token; schedule one sync `debounce` seconds after the first notification
        of a burst. Nothing is read from the notification beyond "something changed"."""
        if not channel_id or len(channel_id) > 64:
            raise channel_not_found()
        async with self.db.read() as session:
            channel = await CalendarRepository(session).channel(channel_id)
        if channel is None:
            raise channel_not_found()
        if not token or not constant_time_equals(sha256_hex(token), channel.token_hash):
            raise Forbidden("GOOGLE_CHANNEL_TOKEN_INVALID", "The channel token does not match.")
        now = self.clock.now()
        async with self.db.transaction() as session:
            row = await CalendarRepository(session).channel(channel_id)
            if row is not None:
                row.message_count += 1
                row.last_message_at = now
        if resource_state == "sync":  # the handshake Google sends when a channel opens
            return PushAck(True, False)
        debounce = max(1, self.settings.calendar_sync_debounce_seconds)
        if not await self.cache.set_if_absent(self._burst_key(channel.user_id), "1", debounce):
            return PushAck(True, False)
        async with self.db.transaction() as session:
            scheduled = await CalendarRepository(session).schedule_sync(channel.user_id,
                                                                        now + timedelta(seconds=debounce))
        return PushAck(True, scheduled)

    def _burst_key(self, user_id: uuid.UUID) -> str:
        return f"calendar:push-burst:{user_id}"

    async def run_pending_syncs(self, now: datetime | None = None) -> int:
        """The scheduler's tick: run each due sync once (claimed in the database, so two ticks never double it)."""
        now = now or self.clock.now()
        async with self.db.read() as session:
            due = await CalendarRepository(session).connections_due(now)
        synced = 0
        for connection in due:
            async with self.db.transaction() as session:
                claimed = await CalendarRepository(session).claim_due_sync(connection.id, connection.sync_due_at)
                user = await session.get(User, connection.user_id) if claimed else None
            if user is None:
                continue
            # Notifications arriving from now on belong to the next burst.
            await self.cache.delete(self._burst_key(user.id))
            try:
                await self.provider_of(user).sync()
                synced += 1
            except DomainError as exc:
                log.warning("pending sync for user %s failed: %s", user.id, exc.code)
        return synced

    async def renew_expiring_channels(self, now: datetime | None = None) -> int:
        """Replace channels that expire within GOOGLE_CHANNEL_RENEW_BEFORE_HOURS."""
        now = now or self.clock.now()
        before = now + timedelta(hours=self.settings.google_channel_renew_before_hours)
        async with self.db.read() as session:
            expiring = await CalendarRepository(session).channels_expiring(before)
            users = {c.user_id: await session.get(User, c.user_id) for c in expiring}
        renewed = 0
        for user in users.values():
            if user is None:
                continue
            try:
                await self.watch(user)
                renewed += 1
            except DomainError as exc:
                log.warning("renewing the channel of user %s failed: %s", user.id, exc.code)
        return renewed
