"""The database FSM storage: state and data survive a new storage object, and empty rows disappear."""
from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from bot.states import WheelForm
from bot.storage import DatabaseStorage
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
