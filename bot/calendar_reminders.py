"""Snoozed block reminders, kept in the cache until they are due.

The cache has no lists, so snoozes due in the same minute form an append-only row: a counter per minute
(`incr`, atomic in Redis) numbers the entries, and the scheduler reads entry 1, 2, … of every recent minute.
Each entry is claimed with `set_if_absent` before it is sent, so several scheduler processes send it once.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.cache import Cache

SNOOZE_MINUTES = 15
KEEP_SECONDS = 2 * 24 * 3600
DUE_LOOKBACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Snooze:
    user_id: uuid.UUID
    step_id: uuid.UUID
    due: datetime


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")


async def add_snooze(cache: Cache, user_id: uuid.UUID, step_id: uuid.UUID, now: datetime) -> datetime | None:
    """Remind again SNOOZE_MINUTES from now; None when this step was already snoozed to that minute (a double tap)."""
    due = now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=SNOOZE_MINUTES)
    minute = _minute(due)
    if not await cache.set_if_absent(f"calendar:snoozed:{step_id}:{minute}", "1", KEEP_SECONDS):
        return None
    number = await cache.incr(f"calendar:snoozes:{minute}:count", KEEP_SECONDS)
    await cache.set_json(f"calendar:snoozes:{minute}:{number}",
                         {"user_id": str(user_id), "step_id": str(step_id), "due": due.isoformat()}, KEEP_SECONDS)
    return due


async def claim_due_snoozes(cache: Cache, now: datetime, *, lookback: timedelta = DUE_LOOKBACK) -> list[Snooze]:
    """Snoozes due in (now - lookback, now] not yet claimed by anyone; claiming one is final (sent at most once)."""
    claimed: list[Snooze] = []
    moment = (now - lookback).astimezone(UTC).replace(second=0, microsecond=0)
    while moment <= now:
        minute = _minute(moment)
        number = 1
        while (entry := await cache.get_json(f"calendar:snoozes:{minute}:{number}")) is not None:
            due = datetime.fromisoformat(entry["due"])
            if due <= now and await cache.set_if_absent(f"calendar:snoozes:{minute}:{number}:sent", "1",
                                                        KEEP_SECONDS):
                claimed.append(Snooze(uuid.UUID(entry["user_id"]), uuid.UUID(entry["step_id"]), due))
            number += 1
        moment += timedelta(minutes=1)
    return claimed
