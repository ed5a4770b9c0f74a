"""Dialog state that survives restarts: Redis when configured, otherwise a table in our own database."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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


class DatabaseStorage(BaseStorage):
    """FSM storage in the `bot_fsm_states` table; a row disappears once it holds neither a state nor data."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _read(self, key: StorageKey) -> BotFSMRecord | None:
        async with self.db.read() as session:
            return await session.get(BotFSMRecord, _primary_key(key))

    async def _write(self, key: StorageKey, **values: Any) -> None:
        # Two writers creating the same row race on the primary key; the loser retries as an update.
        for attempt in range(2):
            try:
                await self._upsert(key, values)
                return
            except IntegrityError:
                if attempt:
                    raise

    async def _upsert(self, key: StorageKey, values: dict[str, Any]) -> None:
        identity = _primary_key(key)
        async with self.db.transaction() as session:
            stmt = select(BotFSMRecord).filter_by(**identity).with_for_update()
            record = (await session.scalars(stmt)).first()
            state = values.get("state", record.state if record else None)
            data = values.get("data", record.data if record else {})
            if state is None and not data:
                if record is not None:
                    await session.delete(record)
                return
            if record is None:
                session.add(BotFSMRecord(**identity, state=state, data=data))
            else:
                record.state, record.data = state, data

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(key, state=state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._read(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._read(key)
        return dict(record.data) if record else {}

    async def close(self) -> None:
        """The database belongs to the container, which closes it."""


def create_storage(settings: Settings, db: Database) -> BaseStorage:
    if settings.redis_url:
        return RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(prefix=f"{settings.redis_prefix}fsm", with_bot_id=True, with_destiny=True),
        )
    return DatabaseStorage(db)
