"""Helpers for the scheduler tests: users with a Telegram chat (no password hashing), a recording prompt sender."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.bootstrap import Container
from core.db.models import RitualPromptLog, User
from core.services.prompts_delivery import recompute_next_runs

_telegram_ids = itertools.count(7_000_000_001)


async def tg_user(container: Container, *, time_zone: str = "Europe/Berlin", morning: time = time(8, 0),
                  evening: time = time(21, 0), scheduled: bool = True, telegram_id: int | None = None,
                  **fields) -> User:
    """A user with a Telegram chat; `scheduled` computes next runs as the profile hook would, at the clock's now."""
    user = User(id=uuid.uuid4(), telegram_id=telegram_id or next(_telegram_ids), time_zone=time_zone,
                morning_time=morning, evening_time=evening, locale=fields.pop("locale", "en"),
                created_at=fields.pop("created_at", container.clock.now()), **fields)
    if scheduled:
        recompute_next_runs(user, container.clock.now())
    async with container.db.transaction() as session:
        session.add(user)
    return user


async def reload(container: Container, user: User) -> User:
    async with container.db.read() as session:
        return await session.get(User, user.id)


async def log_rows(container: Container, user: User | None = None, *, kinds: tuple[str, ...] = ()
                   ) -> list[RitualPromptLog]:
    stmt = select(RitualPromptLog).order_by(RitualPromptLog.local_date, RitualPromptLog.kind)
    if user is not None:
        stmt = stmt.where(RitualPromptLog.user_id == user.id)
    if kinds:
        stmt = stmt.where(RitualPromptLog.kind.in_(kinds))
    async with container.db.read() as session:
        return list((await session.scalars(stmt)).all())


@dataclass
class RecordingSender:
    """A PromptSender that records what it was asked to send; `failures` maps a telegram id to exceptions to raise
    on its next sends, one per call."""

    sent: list[tuple[int, str, date]] = field(default_factory=list)
    failures: dict[int, list[Exception]] = field(default_factory=dict)

    async def send(self, user: User, kind: str, local_date: date) -> None:
        pending = self.failures.get(user.telegram_id)
        if pending:
            raise pending.pop(0)
        self.sent.append((user.telegram_id, kind, local_date))

    def kinds_for(self, user: User) -> list[tuple[str, date]]:
        return [(kind, day) for telegram_id, kind, day in self.sent if telegram_id == user.telegram_id]


def at(zone: str, *args: int) -> datetime:
    """An aware local datetime, for setting the FrozenClock in a user's zone."""
    return datetime(*args, tzinfo=ZoneInfo(zone))
