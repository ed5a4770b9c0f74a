"""Dialog state that survives restarts: a table in our own database, with Redis in front when configured.

With Redis, every write goes to the database too (write-through), so a Redis outage loses no dialog: reads come
from Redis, from the database while Redis is unreachable, and — for the keys written during the outage — from
the database until Redis has their copy again. Chat locks (event isolation) fall back to this process's own.
"""
from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio.lock import Lock
from redis.exceptions import LockError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.cache import OUTAGE_ERRORS, RedisUnavailable, ResilientRedis
from core.config import Settings
from core.db.engine import Database
from core.db.models import BotFSMRecord


def _primary_key(key: StorageKey) -> dict[str, Any]:
    return {
        "bot_id": key.bot_id,
        "chat_id": key.chat_id,
        "user_id": key.user_id,
        "thread_id": key.thread_id or 0,
        "business_connection_id": key.business_connection_id or "",
        "destiny": key.destiny,
    }


class Stored(NamedTuple):
    state: str | None
    data: dict[str, Any]


NOTHING = Stored(None, {})


class DatabaseStorage(BaseStorage):
    """FSM storage in the `bot_fsm_states` table; a row disappears once it holds neither a state nor data.

    While an update holds its chat's lock (`HeldChatIsolation`), the chat's record is read once and remembered until
    the lock is released: the state read before the handlers, the dialog's data, and a `clear()` of a chat that
    holds nothing cost one query instead of one each (and no write at all when nothing changes). Nothing is
    remembered outside the lock, so another process's writes are seen by the next update."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._held: dict[StorageKey, Stored | None] = {}

    @asynccontextmanager
    async def holding(self, key: StorageKey) -> AsyncIterator[None]:
        self._held[key] = None  # held, not read yet
        try:
            yield
        finally:
            self._held.pop(key, None)

    async def _read(self, key: StorageKey) -> Stored:
        remembered = self._held.get(key)
        if remembered is not None:
            return remembered
        async with self.db.read() as session:
            record = await session.get(BotFSMRecord, _primary_key(key))
        stored = Stored(record.state, dict(record.data or {})) if record is not None else NOTHING
        if key in self._held:
            self._held[key] = stored
        return stored

    async def _write(self, key: StorageKey, **values: Any) -> None:
        remembered = self._held.get(key)
        if remembered is not None and all(getattr(remembered, name) == value for name, value in values.items()):
            return
        # Two writers creating the same row race on the primary key; the loser retries as an update.
        for attempt in range(2):
            try:
                stored = await self._upsert(key, values)
                break
            except IntegrityError:
                if attempt:
                    raise
        if key in self._held:
            self._held[key] = stored

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> Stored:
        identity = _primary_key(key)
        async with self.db.transaction() as session:
            stmt = select(BotFSMRecord).filter_by(**identity).with_for_update()
            record = (await session.scalars(stmt)).first()
            state = values.get("state", record.state if record else None)
            data = values.get("data", record.data if record else {})
            if state is None and not data:
                if record is not None:
                    await session.delete(record)
                return NOTHING
            if record is None:
                session.add(BotFSMRecord(**identity, state=state, data=data))
            else:
                record.state, record.data = state, data
        return Stored(state, dict(data))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, state=state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._read(key)).data)

    async def close(self) -> None:
        """The database belongs to the container, which closes it."""


class HeldChatIsolation(SimpleEventIsolation):
    """One update per chat at a time in this process, with the chat's FSM record remembered while it runs."""

    def __init__(self, storage: DatabaseStorage) -> None:
        super().__init__()
        self.storage = storage

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        async with super().lock(key), self.storage.holding(key):
            yield


class WriteThroughStorage(BaseStorage):
    """Redis for speed and for sharing between replicas; the database as the copy a Redis outage cannot take."""

    def __init__(self, redis: ResilientRedis, database: DatabaseStorage, key_builder: DefaultKeyBuilder, *,
                 owns_redis: bool = False) -> None:
        self.resilient = redis
        self.redis = RedisStorage(redis.client, key_builder=key_builder)
        self.database = database
        self._owns_redis = owns_redis
        # Keys whose Redis copy missed a write (Redis was away): read from the database until copied back.
        self._behind: set[StorageKey] = set()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self.database.set_state(key, state)
        await self._mirror(key, lambda: self.redis.set_state(key, state))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self.database.set_data(key, data)
        await self._mirror(key, lambda: self.redis.set_data(key, dict(data)))

    async def get_state(self, key: StorageKey) -> str | None:
        if key not in self._behind or await self._catch_up(key):
            try:
                return await self.resilient.call(lambda _redis: self.redis.get_state(key))
            except RedisUnavailable:
                pass
        return await self.database.get_state(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        if key not in self._behind or await self._catch_up(key):
            try:
                return await self.resilient.call(lambda _redis: self.redis.get_data(key))
            except RedisUnavailable:
                pass
        return await self.database.get_data(key)

    async def _mirror(self, key: StorageKey, write) -> None:
        if key in self._behind:
            return  # copied back as a whole once Redis answers again
        try:
            await self.resilient.call(lambda _redis: write())
        except RedisUnavailable:
            self._behind.add(key)

    async def _catch_up(self, key: StorageKey) -> bool:
        """Copy the database's state and data of the key to Redis; True once Redis has them."""
        if not self.resilient.available:
            return False
        state, data = await self.database.get_state(key), await self.database.get_data(key)
        try:
            await self.resilient.call(lambda _redis: self.redis.set_state(key, state))
            await self.resilient.call(lambda _redis: self.redis.set_data(key, data))
        except RedisUnavailable:
            return False
        self._behind.discard(key)
        return True

    def create_isolation(self, lock_seconds: int) -> BaseEventIsolation:
        return ResilientEventIsolation(self.resilient, self.redis.key_builder, lock_seconds)

    async def close(self) -> None:
        if self._owns_redis:
            await self.resilient.aclose()


class ResilientEventIsolation(BaseEventIsolation):
    """One update per chat at a time: a Redis lock shared by every replica, or this process's own lock while
    Redis is unreachable (then two replicas could each run one update of the same chat)."""

    def __init__(self, redis: ResilientRedis, key_builder: DefaultKeyBuilder, lock_seconds: int) -> None:
        self.resilient = redis
        self.key_builder = key_builder
        self.lock_seconds = lock_seconds
        self.local = SimpleEventIsolation()
        # Locks Redis may hold for us without our knowing: taken by a frozen Redis once it wakes up, or not
        # released while it was away; either would hold that chat up for `lock_seconds`. Released (by their own
        # token, so never another replica's) once Redis answers again.
        self._maybe_taken: list[tuple[Lock, str]] = []

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = None
        if self.resilient.usable():
            await self._release_maybe_taken()
            # aiogram's RedisEventIsolation, with the breaker: waiting while another replica handles this chat is
            # not an outage (each poll is a short call), a refused or hanging Redis is.
            lock = self.resilient.client.lock(self.key_builder.build(key, "lock"), timeout=self.lock_seconds,
                                              lock_class=Lock)
            token = secrets.token_hex(16)  # ours, so a lock that may have been taken can be released by it
            try:
                await lock.acquire(token=token)
            except OUTAGE_ERRORS as error:
                self.resilient.tripped(error)
                self._maybe_taken.append((lock, token))
                lock = None
        if lock is None:
            async with self.local.lock(key):
                yield
            return
        try:
            yield
        finally:
            try:
                await self.resilient.call(lambda _redis: lock.do_release(token))
            except RedisUnavailable:
                self._maybe_taken.append((lock, token))
            except LockError:
                pass  # it ran out meanwhile

    async def _release_maybe_taken(self) -> None:
        while self._maybe_taken:
            orphan, token = self._maybe_taken.pop()
            try:
                await self.resilient.call(lambda _redis, orphan=orphan, token=token: orphan.do_release(token))
            except RedisUnavailable:
                self._maybe_taken.append((orphan, token))
                return
            except LockError:
                pass  # never taken after all, or expired

    async def close(self) -> None:
        await self.local.close()


def fsm_key_builder(settings: Settings) -> DefaultKeyBuilder:
    return DefaultKeyBuilder(prefix=f"{settings.redis_prefix}fsm", with_bot_id=True, with_destiny=True)


def create_storage(settings: Settings, db: Database, redis: ResilientRedis | None = None) -> BaseStorage:
    """The bot's dialog storage; `redis` is the container's shared client (one is made, and owned, if not given)."""
    if not settings.redis_url:
        return DatabaseStorage(db)
    owns_redis = redis is None
    if redis is None:
        redis = ResilientRedis(settings.redis_url, timeout=settings.redis_timeout_seconds,
                               open_seconds=settings.redis_breaker_seconds)
    return WriteThroughStorage(redis, DatabaseStorage(db), fsm_key_builder(settings), owns_redis=owns_redis)
