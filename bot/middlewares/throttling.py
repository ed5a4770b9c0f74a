"""Anti-flood that only a flood notices: a token bucket per person, kept in this process.

Each person may send a burst of `BURST` updates at once, refilled at one every `bot_throttle_seconds` (two a second
by default). People pressing buttons at a human pace never reach the limit. Past the burst, an update is not dropped
at once: up to `QUEUE` of them wait their turn (at most `MAX_WAIT_SECONDS`) and are then handled as usual. Only beyond
that — a real flood — is an update skipped, and never silently: a pressed button is answered "one moment", and the
first skipped message of a flood gets a polite note.

Text typed inside a dialog always passes: Telegram splits a long paste into several messages that arrive at once,
and each of them is part of the person's answer (a free-write stream, a letter).

Time comes from the container's clock, so tests move time instead of sleeping. The buckets live in memory. In
webhook mode with Redis, one person's updates are spread over the replicas, so each replica also adds what it let
through to Redis, batched (`SharedFloodCounts`): nothing on an update's way waits for Redis, and with Redis down the
in-process buckets alone still hold.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis

from core.bootstrap import Container
from core.services.users import locale_from_language_code

BURST = 5
QUEUE = 3
MAX_WAIT_SECONDS = 2.0
# Buckets of people quiet for this long are full again; they are dropped to keep memory flat.
IDLE_SECONDS = 60
SWEEP_EVERY = 1024
# Replicas share their counts once per FLUSH_SECONDS, over windows of WINDOW_SECONDS.
FLUSH_SECONDS = 1.0
WINDOW_SECONDS = 10

log = logging.getLogger("mechta.bot.throttling")


@dataclass
class Bucket:
    tokens: float
    updated: float
    told: bool = False  # this flood's note has been sent


class SharedFloodCounts:
    """What each replica let through per person, added up in Redis once a second in one pipeline. A person whose
    total over the current window passes what one bucket allows (the burst plus the refills) is flooding across
    replicas: their bucket here is emptied, so further updates queue or are skipped like any flood."""

    def __init__(self, container: Container, middleware: ThrottlingMiddleware) -> None:
        self.container = container
        self.middleware = middleware
        self.pending: dict[int, int] = {}
        self._flushing: asyncio.Task | None = None

    def count(self, person: int) -> None:
        self.pending[person] = self.pending.get(person, 0) + 1
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_SECONDS)
        try:
            await self.flush()
        except Exception as error:  # Redis down or slow: the in-process buckets still hold
            log.warning("sharing flood counts through Redis failed: %s", error)

    async def flush(self) -> None:
        counts, self.pending = self.pending, {}
        resilient = self.container.redis
        if not counts or resilient is None:
            return
        window = math.floor(self.container.clock.now().timestamp() / WINDOW_SECONDS)
        prefix = f"{self.container.settings.redis_prefix}bot:flood:{window}:"

        async def add_up(redis: Redis) -> list[Any]:
            async with redis.pipeline(transaction=False) as pipe:
                for person, count in counts.items():
                    pipe.incrby(prefix + str(person), count)
                    pipe.expire(prefix + str(person), WINDOW_SECONDS * 2)
                return await pipe.execute()

        replies = await resilient.call(add_up)  # behind the breaker: a dead Redis is not waited for each second
        allowed = BURST + WINDOW_SECONDS / self.middleware.interval
        for person, total in zip(counts, replies[::2], strict=True):
            bucket = self.middleware.buckets.get(person)
            if bucket is not None and int(total) > allowed:
                bucket.tokens = min(bucket.tokens, 0.0)

    async def close(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flushing


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, container: Container, i18n: I18n) -> None:
        self.container = container
        self.i18n = i18n
        self.buckets: dict[int, Bucket] = {}
        self._seen = 0
        settings = container.settings
        self.shared = (SharedFloodCounts(container, self)
                       if settings.redis_url and settings.webhook_enabled else None)

    @property
    def interval(self) -> float:
        return self.container.settings.bot_throttle_seconds

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not await self.admit(event, data):
            return None
        return await handler(event, data)

    async def admit(self, event: TelegramObject, data: dict[str, Any]) -> bool:
        """Whether the update goes on (after its wait in the queue, if any); False when it is part of a flood,
        which has then been told."""
        telegram_user = data.get("event_from_user")
        if self.interval <= 0 or telegram_user is None or not isinstance(event, Update):
            return True
        if _is_dialog_text(event, data):
            return True
        wait = self._take(telegram_user.id)
        if wait is None:
            await self._tell(event, telegram_user.id, telegram_user.language_code)
            return False
        if self.shared is not None:
            self.shared.count(telegram_user.id)
        if wait > 0:
            await asyncio.sleep(wait)
        return True

    def _take(self, person: int) -> float | None:
        """Seconds to wait before handling this update (0: at once), or None when it is part of a flood."""
        now = self.container.clock.now().timestamp()
        self._sweep(now)
        bucket = self.buckets.get(person)
        if bucket is None:
            bucket = self.buckets[person] = Bucket(tokens=BURST, updated=now)
        bucket.tokens = min(BURST, bucket.tokens + max(0.0, now - bucket.updated) / self.interval)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return 0.0
        # Its turn comes when the bucket has refilled past this update and the ones queued before it.
        wait = (1 - bucket.tokens) * self.interval
        if bucket.tokens > -QUEUE and wait <= MAX_WAIT_SECONDS:
            bucket.tokens -= 1
            return wait
        return None

    def _sweep(self, now: float) -> None:
        self._seen += 1
        if self._seen % SWEEP_EVERY:
            return
        for person, bucket in list(self.buckets.items()):
            if now - bucket.updated > IDLE_SECONDS:
                del self.buckets[person]

    async def _tell(self, event: Update, person: int, language_code: str | None) -> None:
        locale = locale_from_language_code(language_code)
        bucket = self.buckets[person]
        if isinstance(event.event, CallbackQuery):
            # A pressed button spins until answered: every skipped press is told.
            await event.event.answer(self.i18n.gettext("One moment — I'm still on your previous taps.",
                                                       locale=locale))
        elif isinstance(event.event, Message) and not bucket.told:
            bucket.told = True
            await event.event.answer(self.i18n.gettext("Not so fast, please — give me a second to keep up.",
                                                       locale=locale))


def _is_dialog_text(event: Update, data: dict[str, Any]) -> bool:
    message = event.message
    return (message is not None and data.get("raw_state") is not None
            and bool(message.text) and not message.text.startswith("/"))
