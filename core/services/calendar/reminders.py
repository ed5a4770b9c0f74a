"""Block-start reminders and their snoozes, as data for whoever sends them: each due reminder is claimed here, so
several scheduler processes together send it once.

A planned block is reminded about when it starts (a late tick still does, within REMINDER_LOOKBACK), once per
block and start time, while its step is open and its person active. "Snooze" asks again SNOOZE_MINUTES later.

The cache has no lists, so snoozes due in the same minute form an append-only row: a counter per minute (`incr`,
atomic in Redis) numbers the entries, and `snoozes_due` reads entry 1, 2, … of every recent minute. Each entry is
claimed with `set_if_absent` before it is handed out.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.cache import Cache
from core.clock import Clock
from core.db.engine import Database
from core.db.models import Step, User
from core.repositories.calendar import CalendarRepository
from core.repositories.goals import StepRepository
from core.repositories.users import UserRepository

SNOOZE_MINUTES = 15
KEEP_SECONDS = 2 * 24 * 3600
# A reminder is still worth sending this long after its moment (a late or missed tick).
REMINDER_LOOKBACK = timedelta(minutes=10)
SNOOZE_LOOKBACK = timedelta(minutes=10)


@dataclass(frozen=True)
class DueReminder:
    user: User
    step_id: uuid.UUID
    title: str
    # The block's time; None for a snoozed reminder (it repeats the question, not the time).
    start: datetime | None = None
    end: datetime | None = None


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")


class CalendarReminders:
    def __init__(self, db: Database, clock: Clock, cache: Cache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    async def snooze(self, user_id: uuid.UUID, step_id: uuid.UUID) -> datetime | None:
        """Remind again SNOOZE_MINUTES from now; None when this step was already snoozed to that minute (a double
        tap)."""
        due = self.clock.now().astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=SNOOZE_MINUTES)
        minute = _minute(due)
        if not await self.cache.set_if_absent(f"calendar:snoozed:{step_id}:{minute}", "1", KEEP_SECONDS):
            return None
        number = await self.cache.incr(f"calendar:snoozes:{minute}:count", KEEP_SECONDS)
        await self.cache.set_json(f"calendar:snoozes:{minute}:{number}",
                                  {"user_id": str(user_id), "step_id": str(step_id), "due": due.isoformat()},
                                  KEEP_SECONDS)
        return due

    async def blocks_due(self, now: datetime) -> list[DueReminder]:
        """Planned blocks that started within REMINDER_LOOKBACK (up to `now`) and were not reminded about yet."""
        async with self.db.read() as session:
            blocks = await CalendarRepository(session).blocks_starting(now - REMINDER_LOOKBACK,
                                                                       now + timedelta(seconds=1))
            found = [(block, await self._open_step(session, block.user_id, block.step_id)) for block in blocks]
        due: list[DueReminder] = []
        for block, (user, step) in found:
            if step is None:
                continue
            if await self.cache.set_if_absent(f"calendar:reminded:{block.id}:{block.start_at.isoformat()}", "1",
                                              KEEP_SECONDS):
                due.append(DueReminder(user, step.id, step.title, block.start_at, block.end_at))
        return due

    async def snoozes_due(self, now: datetime) -> list[DueReminder]:
        """Snoozes due within SNOOZE_LOOKBACK (up to `now`) not claimed by anyone yet; claiming one is final (it
        is handed out at most once), and one whose step was closed meanwhile is dropped."""
        claimed: list[tuple[uuid.UUID, uuid.UUID]] = []
        moment = (now - SNOOZE_LOOKBACK).astimezone(UTC).replace(second=0, microsecond=0)
        while moment <= now:
            minute = _minute(moment)
            number = 1
            while (entry := await self.cache.get_json(f"calendar:snoozes:{minute}:{number}")) is not None:
                if (datetime.fromisoformat(entry["due"]) <= now
                        and await self.cache.set_if_absent(f"calendar:snoozes:{minute}:{number}:sent", "1",
                                                           KEEP_SECONDS)):
                    claimed.append((uuid.UUID(entry["user_id"]), uuid.UUID(entry["step_id"])))
                number += 1
            moment += timedelta(minutes=1)
        if not claimed:
            return []
        async with self.db.read() as session:
            found = [await self._open_step(session, user_id, step_id) for user_id, step_id in claimed]
        return [DueReminder(user, step.id, step.title) for user, step in found if step is not None]

    @staticmethod
    async def _open_step(session, user_id: uuid.UUID,
                         step_id: uuid.UUID | None) -> tuple[User | None, Step | None]:
        """The active person and their open step, or (…, None) when there is nothing to remind about."""
        user = await UserRepository(session).get(user_id)
        if user is None or not user.is_active or step_id is None:
            return user, None
        step = await StepRepository(session).get(user_id, step_id)
        return user, step if step is not None and step.is_open else None
