"""Liveness of the parts: database, cache, background processes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, text

from core.cache import Cache
from core.clock import Clock
from core.db.engine import Database
from core.db.models import ServiceHeartbeat


@dataclass
class ComponentStatus:
    name: str
    status: str  # ok | down | not_configured | stale | never_seen
    detail: str = ""

    @property
    def healthy(self) -> bool:
        return self.status in {"ok", "not_configured", "never_seen", "stale"}


class HealthService:
    HEARTBEAT_STALE_AFTER = timedelta(minutes=3)

    def __init__(self, db: Database, cache: Cache, clock: Clock, *, redis_configured: bool) -> None:
        self.db = db
        self.cache = cache
        self.clock = clock
        self.redis_configured = redis_configured

    async def check(self) -> list[ComponentStatus]:
        components = [await self._database()]
        components.append(await self._redis())
        components.extend(await self._heartbeats(("scheduler", "bot")))
        return components

    async def _database(self) -> ComponentStatus:
        try:
            async with self.db.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "down"; the detail names the type only
            return ComponentStatus("database", "down", type(exc).__name__)
        return ComponentStatus("database", "ok", self.db.dialect)

    async def _redis(self) -> ComponentStatus:
        if not self.redis_configured:
            return ComponentStatus("redis", "not_configured", "in-process fallback")
        try:
            await self.cache.ping()
        except Exception as exc:
            cause = exc.__cause__ or exc
            return ComponentStatus("redis", "down", f"{type(cause).__name__}; running on in-process fallbacks")
        return ComponentStatus("redis", "ok")

    async def _heartbeats(self, names: tuple[str, ...]) -> list[ComponentStatus]:
        try:
            async with self.db.read() as session:
                rows = {hb.name: hb for hb in (await session.scalars(select(ServiceHeartbeat))).all()}
        except Exception:
            return [ComponentStatus(name, "never_seen", "database unavailable") for name in names]
        result = []
        for name in names:
            beat = rows.get(name)
            if beat is None:
                result.append(ComponentStatus(name, "never_seen"))
                continue
            age = self.clock.now() - beat.beat_at
            status = "ok" if age <= self.HEARTBEAT_STALE_AFTER else "stale"
            detail = f"last beat {_ago(age)} ago at {beat.beat_at:%Y-%m-%d %H:%M:%S} UTC"
            result.append(ComponentStatus(name, status, detail))
        return result

    async def beat(self, name: str, info: dict | None = None) -> None:
        """One upsert: replicas that start together (and beat under the same name) never collide on the insert."""
        stmt = self.db.insert(ServiceHeartbeat.__table__).values(name=name, beat_at=self.clock.now(), info=info or {})
        stmt = stmt.on_conflict_do_update(index_elements=["name"],
                                          set_={"beat_at": stmt.excluded.beat_at, "info": stmt.excluded.info})
        async with self.db.transaction() as session:
            await session.execute(stmt)


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


