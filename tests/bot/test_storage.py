"""The database FSM storage: state and data survive a new storage object, empty rows disappear, and an update
reads its chat's record once (with Redis: together with taking the chat's lock) and writes only what changed."""
from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from sqlalchemy import delete, event, func, select

from bot.dispatcher import events_isolation
from bot.states import WheelForm
from bot.storage import DatabaseStorage, HeldChatIsolation, create_storage
from core.db.models import BotFSMRecord

KEY = StorageKey(bot_id=1, chat_id=100, user_id=100)


async def rows(container) -> int:
    async with container.db.read() as session:
        return await session.scalar(select(func.count()).select_from(BotFSMRecord))


async def test_state_and_data_are_read_back_by_another_storage(container) -> None:
    await DatabaseStorage(container.db).set_state(KEY, WheelForm.scoring)
    await DatabaseStorage(container.db).update_data(KEY, {"step": 3, "scores": {"health": 7}})

    reader = DatabaseStorage(container.db)

    assert await reader.get_state(KEY) == WheelForm.scoring.state
    assert await reader.get_data(KEY) == {"step": 3, "scores": {"health": 7}}
    assert await reader.get_data(StorageKey(bot_id=1, chat_id=100, user_id=100, thread_id=5)) == {}


async def test_clearing_a_dialog_removes_its_row(container) -> None:
    storage = DatabaseStorage(container.db)
    await storage.set_state(KEY, WheelForm.note)
    await storage.set_data(KEY, {"nonce": "abc"})

    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})

    assert await storage.get_state(KEY) is None
    assert await rows(container) == 0


class Queries:
    """Counts the SQL statements sent to the database."""

    def __init__(self, container) -> None:
        self.count = 0
        event.listen(container.db.engine.sync_engine, "before_cursor_execute", self._seen)
        self.engine = container.db.engine.sync_engine

    def _seen(self, *_args) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


async def test_while_an_update_holds_its_chat_the_record_is_read_once_and_unchanged_values_not_written(
        container) -> None:
    storage = DatabaseStorage(container.db)
    queries = Queries(container)
    try:
        async with HeldChatIsolation(storage).lock(KEY):
            assert await storage.get_state(KEY) is None
            after_first_read = queries.count
            await storage.get_data(KEY)
            await storage.set_state(KEY, None)  # FSMContext.clear() of a chat that holds nothing
            await storage.set_data(KEY, {})
            untouched = queries.count
            await storage.set_state(KEY, WheelForm.scoring)
            await storage.set_data(KEY, {"step": 1})
            assert await storage.get_data(KEY) == {"step": 1}
    finally:
        queries.close()

    assert after_first_read > 0 and untouched == after_first_read
    assert await rows(container) == 1


async def test_nothing_is_remembered_once_the_update_released_its_chat(container) -> None:
    storage, other_process = DatabaseStorage(container.db), DatabaseStorage(container.db)
    isolation = HeldChatIsolation(storage)
    async with isolation.lock(KEY):
        await storage.set_state(KEY, WheelForm.scoring)

    await other_process.set_state(KEY, WheelForm.note)

    async with isolation.lock(KEY):
        assert await storage.get_state(KEY) == WheelForm.note.state


class RedisRoundTrips:
    """Counts the commands and pipelines sent to Redis."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        for owner, name in ((Redis, "execute_command"), (Pipeline, "execute")):
            monkeypatch.setattr(owner, name, self._counted(getattr(owner, name)))

    def _counted(self, call):
        async def counted(*args, **kwargs):
            self.count += 1
            return await call(*args, **kwargs)
        return counted


async def test_with_redis_an_update_reads_its_chat_with_the_lock_and_writes_only_what_changed(container, backend,
                                                                                             monkeypatch) -> None:
    storage = create_storage(container.settings, container.db, container.redis)
    await storage.set_state(KEY, WheelForm.scoring)
    await storage.set_data(KEY, {"step": 1})
    queries, round_trips = Queries(container), RedisRoundTrips(monkeypatch)
    try:
        async with events_isolation(storage, lock_seconds=10).lock(KEY):
            taking_the_lock = round_trips.count
            assert await storage.get_state(KEY) == WheelForm.scoring.state
            assert await storage.get_data(KEY) == {"step": 1}
            await storage.set_state(KEY, WheelForm.scoring)
            await storage.set_data(KEY, {"step": 1})
            untouched = (queries.count, round_trips.count)
            await storage.set_data(KEY, {"step": 2})
            written = (queries.count, round_trips.count)
    finally:
        queries.close()

    assert taking_the_lock == 1 and untouched == (0, 1)
    assert written == (1, 2)  # the upsert alone: no BEGIN IMMEDIATE around it on SQLite either
    assert await DatabaseStorage(container.db).get_data(KEY) == {"step": 2}
    assert await create_storage(container.settings, container.db, container.redis).get_data(KEY) == {"step": 2}


async def test_a_changed_record_is_one_statement_that_another_storage_reads_back(container) -> None:
    storage = DatabaseStorage(container.db)
    queries = Queries(container)
    try:
        async with HeldChatIsolation(storage).lock(KEY):
            await storage.get_state(KEY)
            before = queries.count
            await storage.set_data(KEY, {"step": 4})
            written = queries.count - before
    finally:
        queries.close()

    assert written == 1  # on SQLite too: a single statement, no BEGIN IMMEDIATE
    assert await DatabaseStorage(container.db).get_data(KEY) == {"step": 4}


async def test_a_one_statement_write_waits_for_an_open_write_transaction_instead_of_failing(container,
                                                                                            backend) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    storage = DatabaseStorage(container.db)
    async with HeldChatIsolation(storage).lock(KEY):
        await storage.get_state(KEY)
        async with container.db.transaction() as writer:  # holds SQLite's write lock until it commits
            await writer.execute(delete(BotFSMRecord))
            waiting = asyncio.create_task(storage.set_data(KEY, {"step": 5}))
            await asyncio.sleep(0.3)
            assert not waiting.done()
        await waiting

    assert await DatabaseStorage(container.db).get_data(KEY) == {"step": 5}
