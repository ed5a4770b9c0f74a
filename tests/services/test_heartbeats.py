"""Heartbeats of background processes: replicas that start together beat under the same name at once."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.db.models import ServiceHeartbeat


async def test_replicas_beating_at_once_under_one_name_keep_one_row(container, clock):
    # Without an upsert, each sees no row and inserts one: all but one fail on the primary key (PostgreSQL).
    await asyncio.gather(*(container.health.beat("bot", {"replica": index}) for index in range(4)))
    clock.advance(seconds=30)
    await container.health.beat("bot", {"replica": 9})

    async with container.db.read() as session:
        rows = (await session.scalars(select(ServiceHeartbeat))).all()
    assert [(row.name, row.beat_at, row.info) for row in rows] == [("bot", clock.now(), {"replica": 9})]
