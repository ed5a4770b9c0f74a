"""Dialog state that survives restarts: a table in our own database, with Redis in front when configured.

With Redis, every write goes to the database too (write-through), so a Redis outage loses no dialog: reads come
from Redis, from the database while Redis is unreachable, and — for the keys written during the outage — from
the database until Redis has their copy again. Chat locks (event isolation) fall back to this process's own.
"""
from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError
from sqlalchemy import Executable, and_, bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from core.cache import OUTAGE_ERRORS, RedisUnavailable, ResilientRedis
from core.config import Settings
from core.db.base import utcnow
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


# The statements of one record, built once; the key's columns are bound per call (`_primary_key`).
_TABLE = BotFSMRecord.__table__
_KEYS = [column.name for column in _TABLE.primary_key.columns]
_RECORD = ("state", "data", "updated_at")  # what a write sets besides the key
_BY_KEY = and_(*(_TABLE.c[name] == bindparam(name, type_=_TABLE.c[name].type) for name in _KEYS))
_READ = select(_TABLE.c.state, _TABLE.c.data).where(_BY_KEY)


class Stored(NamedTuple):
    state: str | None
    data: dict[str, Any]


NOTHING = Stored(None, {})


class _Hold:
    __slots__ = ("stored", "task")

    def __init__(self, task: asyncio.Task | None) -> None:
        self.task = task
        self.stored: Stored | None = None  # not read yet


class HeldRecords:
    """The records of the chats whose updates run now. While an update holds its chat's lock (the event isolation),
    no other update of that chat runs, in this process or — with the Redis lock — in any other: the chat's record
    is read once, remembered until the lock is released, and a write that changes nothing is skipped. Only the
    update's own task uses the remembered record; anything else that writes the chat meanwhile (slow work in the
    background) goes to the stores and makes the update read the record again. Nothing is remembered outside the
    lock, so another process's writes are seen by the next update."""

    def __init__(self) -> None:
        self._held: dict[StorageKey, _Hold] = {}

    @asynccontextmanager
    async def holding(self, key: StorageKey, stored: Stored | None = None) -> AsyncIterator[None]:
        """Hold the chat for this task; `stored` is its record when read together with taking the lock."""
        hold = self._held[key] = _Hold(asyncio.current_task())
        hold.stored = stored
        try:
            yield
        finally:
            if self._held.get(key) is hold:
                del self._held[key]

    def holds(self, key: StorageKey) -> bool:
        """Whether this task holds the chat's lock (then no other update of the chat runs meanwhile)."""
        hold = self._held.get(key)
        return hold is not None and hold.task is asyncio.current_task()

    def remembered(self, key: StorageKey) -> Stored | None:
        return self._held[key].stored if self.holds(key) else None

    def remember(self, key: StorageKey, stored: Stored | None) -> None:
        """The record as this task just read or wrote it (None: not known); another task's write makes the holder
        read it again."""
        hold = self._held.get(key)
        if hold is not None:
            hold.stored = stored if hold.task is asyncio.current_task() else None


def _changed(remembered: Stored, values: dict[str, Any]) -> Stored | None:
    """The record after a write of `values`, or None when the write changes nothing."""
    if all(getattr(remembered, name) == value for name, value in values.items()):
        return None
    return remembered._replace(**values)


class DatabaseStorage(HeldRecords, BaseStorage):
    """FSM storage in the `bot_fsm_states` table; a row disappears once it holds neither a state nor data.

    While an update holds its chat (`HeldChatIsolation`), the state read before the handlers, the dialog's data, and
    a `clear()` of a chat that holds nothing cost one query instead of one each, a write that changes nothing costs
    none, and a write that does is one statement (the whole record is known)."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self._put_statements: tuple[Executable, Executable] | None = None

    async def _read(self, key: StorageKey) -> Stored:
        remembered = self.remembered(key)
        if remembered is not None:
            return remembered
        stored = await self.load(key)
        self.remember(key, stored)
        return stored

    async def load(self, key: StorageKey) -> Stored:
        # A Core statement on a read connection: no ORM session to set up for one row.
        async with self.db.read_engine.connect() as connection:
            row = (await connection.execute(_READ, _primary_key(key))).first()
        return Stored(row.state, dict(row.data or {})) if row is not None else NOTHING

    async def _write(self, key: StorageKey, **values: Any) -> None:
        remembered = self.remembered(key)
        if remembered is not None:
            changed = _changed(remembered, values)
            if changed is not None:
                await self.put(key, changed)
                self.remember(key, changed)
            return
        # Two writers creating the same row race on the primary key; the loser retries as an update.
        for attempt in range(2):
            try:
                stored = await self._upsert(key, values)
                break
            except IntegrityError:
                if attempt:
                    raise
        self.remember(key, stored)

    async def put(self, key: StorageKey, stored: Stored) -> None:
        """Write the whole record in one statement: an upsert, or a delete when it holds nothing."""
        upsert, remove = self._statements()
        identity = _primary_key(key)
        if stored.state is None and not stored.data:
            statement, values = remove, identity
        else:
            statement, values = upsert, {**identity, "state": stored.state, "data": stored.data,
                                         "updated_at": utcnow()}
        # A Core statement, no ORM session to set up; one statement needs no BEGIN and COMMIT (on either database).
        async with self.db.single_statement() as connection:
            await connection.execute(statement, values)

    def _statements(self) -> tuple[Executable, Executable]:
        """The upsert (in this database's dialect) and the delete of one record, built once."""
        if self._put_statements is None:
            upsert = self.db.insert(_TABLE).values({column: bindparam(column.name, type_=column.type)
                                            for column in _TABLE.columns if column.name in {*_KEYS, *_RECORD}})
            upsert = upsert.on_conflict_do_update(index_elements=_KEYS,
                                                  set_={name: upsert.excluded[name] for name in _RECORD})
            self._put_statements = (upsert, delete(_TABLE).where(_BY_KEY))
        return self._put_statements

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


class WriteThroughStorage(HeldRecords, BaseStorage):
    """Redis for speed and for sharing between replicas; the database as the copy a Redis outage cannot take.

    While an update holds its chat (`ResilientEventIsolation`), the chat's state and data are read together (one
    Redis round trip), remembered until the lock is released, and a write that changes nothing is skipped; a write
    that does is one database statement and one Redis round trip for the whole record."""

    def __init__(self, redis: ResilientRedis, database: DatabaseStorage, key_builder: DefaultKeyBuilder, *,
                 owns_redis: bool = False) -> None:
        super().__init__()
        self.resilient = redis
        self.redis = RedisStorage(redis.client, key_builder=key_builder)
        self.database = database
        self._owns_redis = owns_redis
        # Keys whose Redis copy missed a write (Redis was away): read from the database until copied back.
        self._behind: set[StorageKey] = set()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, state=state.state if isinstance(state, State) else state)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key)).state

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._read(key)).data)

    async def _read(self, key: StorageKey) -> Stored:
        remembered = self.remembered(key)
        if remembered is not None:
            return remembered
        stored = None
        if key not in self._behind or await self._catch_up(key):
            with contextlib.suppress(RedisUnavailable):
                stored = await self.resilient.call(lambda redis: self._load_from_redis(redis, key))
        if stored is None:
            stored = await self.database.load(key)
        self.remember(key, stored)
        return stored

    async def _write(self, key: StorageKey, **values: Any) -> None:
        remembered = self.remembered(key)
        if remembered is None:  # not held, or nothing read yet: field by field, as aiogram asks
            if "state" in values:
                await self.database.set_state(key, values["state"])
                await self._mirror(key, lambda: self.redis.set_state(key, values["state"]))
            else:
                await self.database.set_data(key, values["data"])
                await self._mirror(key, lambda: self.redis.set_data(key, values["data"]))
            self.remember(key, None)
            return
        changed = _changed(remembered, values)
        if changed is None:
            return
        await self.database.put(key, changed)
        await self._mirror(key, lambda: self._store_in_redis(key, changed))
        self.remember(key, changed)

    async def _load_from_redis(self, redis: Redis, key: StorageKey) -> Stored:
        return self.parse_read(*await redis.mget(self.record_keys(key)))

    def record_keys(self, key: StorageKey) -> list[str] | None:
        """The Redis keys of the key's state and data (their values go to `parse_read`); None while Redis's copy of
        the key is behind the database's."""
        if key in self._behind:
            return None
        return [self.redis.key_builder.build(key, "state"), self.redis.key_builder.build(key, "data")]

    def parse_read(self, state: str | bytes | None, data: str | bytes | None) -> Stored:
        if isinstance(state, bytes):
            state = state.decode()
        if isinstance(data, bytes):
            data = data.decode()
        return Stored(state, self.redis.json_loads(data) if data is not None else {})

    async def _store_in_redis(self, key: StorageKey, stored: Stored) -> None:
        """Write the whole record atomically: one MSET or DEL when the state and the data are both there or both
        gone (a dialog's every step), a MULTI of the two writes otherwise."""
        state_key, data_key = self.redis.key_builder.build(key, "state"), self.redis.key_builder.build(key, "data")
        client = self.resilient.client
        if stored.state is not None and stored.data:
            await client.mset({state_key: stored.state, data_key: self.redis.json_dumps(stored.data)})
        elif stored.state is None and not stored.data:
            await client.delete(state_key, data_key)
        else:
            async with client.pipeline(transaction=True) as pipe:
                if stored.state is None:
                    pipe.delete(state_key)
                else:
                    pipe.set(state_key, stored.state)
                if stored.data:
                    pipe.set(data_key, self.redis.json_dumps(stored.data))
                else:
                    pipe.delete(data_key)
                await pipe.execute()

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
        stored = await self.database.load(key)
        try:
            await self.resilient.call(lambda _redis: self._store_in_redis(key, stored))
        except RedisUnavailable:
            return False
        self._behind.discard(key)
        return True

    def create_isolation(self, lock_seconds: int) -> BaseEventIsolation:
        return ResilientEventIsolation(self.resilient, self.redis.key_builder, lock_seconds, records=self)

    async def close(self) -> None:
        if self._owns_redis:
            await self.resilient.aclose()


# SET the lock (NX, PX ARGV[2]) to our token ARGV[1]; once taken, GET the record's keys if given (false: none).
# One command instead of a pipeline of three: the same round trip, a third of redis-py's work for it.
_TAKE_AND_READ = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {0}
end
if #KEYS == 1 then
    return {1}
end
return {1, redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3])}
"""


class ResilientEventIsolation(BaseEventIsolation):
    """One update per chat at a time: a Redis lock shared by every replica, or this process's own lock while
    Redis is unreachable (then two replicas could each run one update of the same chat)."""

    def __init__(self, redis: ResilientRedis, key_builder: DefaultKeyBuilder, lock_seconds: int, *,
                 records: WriteThroughStorage | None = None) -> None:
        self.resilient = redis
        self.records = records
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
            stored = None
            try:
                taken, stored = await self._take_and_read(lock, token, key)
                if not taken:
                    await lock.acquire(token=token)
            except OUTAGE_ERRORS as error:
                self.resilient.tripped(error)
                self._maybe_taken.append((lock, token))
                lock = None
        if lock is None:
            async with self.local.lock(key), self._holding(key):
                yield
            return
        try:
            async with self._holding(key, stored):
                yield
        finally:
            try:
                await self.resilient.call(lambda _redis: lock.do_release(token))
            except RedisUnavailable:
                self._maybe_taken.append((lock, token))
            except LockError:
                pass  # it ran out meanwhile

    async def _take_and_read(self, lock: Lock, token: str, key: StorageKey) -> tuple[bool, Stored | None]:
        """A first try at the lock, with the chat's record read in the same command; (whether the lock was taken,
        the record when it was). One script, so Redis runs the reads right after the SET, as one step."""
        record = self.records.record_keys(key) if self.records is not None else None
        keys = [lock.name, *(record or ())]
        # EVAL, not EVALSHA: always one round trip (no NOSCRIPT and load after Redis restarts); Redis caches the
        # compiled script either way.
        replies = await self.resilient.client.eval(_TAKE_AND_READ, len(keys), *keys, token,
                                                   int(self.lock_seconds * 1000))
        if not replies[0]:
            return False, None
        return True, self.records.parse_read(*replies[1:]) if record is not None else None

    def _holding(self, key: StorageKey, stored: Stored | None = None) -> contextlib.AbstractAsyncContextManager[None]:
        return self.records.holding(key, stored) if self.records is not None else contextlib.nullcontext()

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
