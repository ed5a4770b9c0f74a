"""Monthly AI quotas: every AI feature reserves a unit before calling the AI and releases it if the call fails.

A month is the calendar month in the user's own time zone. The check and the increment are a single conditional
UPDATE, so two requests racing for the last unit cannot both win, on SQLite or on PostgreSQL.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TypedDict

from redis.exceptions import RedisError

from core import metrics
from core.cache import Cache
from core.clock import Clock
from core.db.engine import Database
from core.db.models import User
from core.errors import NotFound, QuotaExceeded
from core.identity import IdentityCache
from core.repositories.quotas import QuotaRepository
from core.repositories.users import UserRepository

log = logging.getLogger("mechta.quotas")

RESOURCES = ("text", "image")
LIMITS: dict[str, dict[str, int]] = {"free": {"text": 5, "image": 1}, "pro": {"text": 100, "image": 20}}
USAGE_CACHE_TTL = 60
USAGE_COMPANION = "usage"  # the in-process copy of the counters, kept beside the user's identity


class ResourceUsage(TypedDict):
    used: int
    limit: int


@dataclass(frozen=True)
class Allowance:
    """What is left of a resource this month, and the person's local date the counter starts again."""

    resource: str
    used: int
    limit: int
    renews_on: date

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def next_month_start(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def usage_cache_key(user_id: uuid.UUID) -> str:
    """The /me cache entry (seed: `me:user:{user_id}`); it holds the month's counters, the only part not re-read."""
    return f"me:user:{user_id}"


def limits_for(plan: str) -> dict[str, int]:
    return LIMITS.get(plan, LIMITS["free"])


@dataclass(eq=False)
class QuotaReservation:
    """One unit taken from a user's monthly counter; `release` gives it back at most once."""

    user_id: uuid.UUID
    resource: str
    period: str
    released: bool = field(default=False, init=False)


class QuotaService:
    def __init__(self, db: Database, clock: Clock, cache: Cache, identities: IdentityCache | None = None) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        # Holds an in-process copy of the counters, which a change in any process drops everywhere (core/identity.py).
        self.identities = identities

    def period_for(self, user: User) -> str:
        """The user's current month as YYYY-MM, in their own time zone."""
        now = self.clock.local_now(user.time_zone)
        return f"{now.year:04d}-{now.month:02d}"  # strftime costs several times more, on every /me

    async def reserve(self, user_id: uuid.UUID, resource: str) -> QuotaReservation:
        """Take one unit of `resource` for this month or raise QuotaExceeded (403) when the plan's limit is used up."""
        _check_resource(resource)
        now = self.clock.now()
        async with self.db.transaction() as session:
            user = await UserRepository(session).get(user_id)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            period = self.period_for(user)
            limit = limits_for(user.plan)[resource]
            repo = QuotaRepository(session)
            await repo.ensure_counter(user_id, resource, period, now)
            if not await repo.increment_below(user_id, resource, period, limit, now):
                used = await repo.used(user_id, resource, period)
                metrics.quota_refused(resource)
                raise QuotaExceeded(details={"resource": resource, "used": used, "limit": limit})
        await self._forget_usage(user_id)
        return QuotaReservation(user_id=user_id, resource=resource, period=period)

    async def release(self, reservation: QuotaReservation) -> None:
        """Give the unit back to the month it was taken from (never below zero); repeated calls do nothing."""
        if reservation.released:
            return
        reservation.released = True
        try:
            async with self.db.transaction() as session:
                await QuotaRepository(session).decrement(reservation.user_id, reservation.resource,
                                                         reservation.period, self.clock.now())
        except BaseException:
            reservation.released = False
            raise
        await self._forget_usage(reservation.user_id)

    @asynccontextmanager
    async def reserved(self, user_id: uuid.UUID, resource: str) -> AsyncIterator[QuotaReservation]:
        """`async with quotas.reserved(user.id, "text"):` — the unit is given back if the block fails."""
        reservation = await self.reserve(user_id, resource)
        try:
            yield reservation
        except BaseException:
            await self.release(reservation)
            raise

    async def usage(self, user: User) -> dict[str, ResourceUsage]:
        """This month's `{resource: {used, limit}}`; limits follow the user's current plan."""
        period = self.period_for(user)
        used = await self._used_this_period(user.id, period)
        limits = limits_for(user.plan)
        return {resource: {"used": used.get(resource, 0), "limit": limits[resource]} for resource in RESOURCES}

    async def allowance(self, user: User, resource: str = "text") -> Allowance:
        """This month's use of `resource` and when it renews (the first day of next month, in the user's zone)."""
        _check_resource(resource)
        usage = (await self.usage(user))[resource]
        renews_on = next_month_start(self.clock.local_today(user.time_zone))
        return Allowance(resource=resource, used=usage["used"], limit=usage["limit"], renews_on=renews_on)

    async def forget_usage(self, user_id: uuid.UUID) -> None:
        """Drop the cached /me counters after they changed, in Redis and in every process."""
        try:
            await self.forget_shared_usage(user_id)
        finally:
            if self.identities is not None:  # after the shared entry: no process may copy it from there again
                await self.identities.forget([user_id])

    async def forget_shared_usage(self, user_id: uuid.UUID) -> None:
        """Drop only the shared /me counters, for a change that dropped the user's identity already (a committed
        change to the user row does): the in-process copies went with it, everywhere."""
        await self.cache.delete(usage_cache_key(user_id))

    async def _used_this_period(self, user_id: uuid.UUID, period: str) -> dict[str, int]:
        # An entry from another month is a miss: the month rolled over (or the user moved to another time zone).
        if self.identities is not None:
            local = self.identities.recall(user_id, USAGE_COMPANION)
            if local is not None and local["period"] == period:
                return local["used"]
        checked_at = time.time()
        key = usage_cache_key(user_id)
        cached = await self.cache.get_json(key)
        if isinstance(cached, dict) and cached.get("period") == period:
            used = cached["used"]
        else:
            async with self.db.read() as session:
                used = await QuotaRepository(session).used_in_period(user_id, period)
            await self.cache.set_json(key, {"period": period, "used": used}, USAGE_CACHE_TTL)
        if self.identities is not None:
            self.identities.keep(user_id, USAGE_COMPANION, {"period": period, "used": used}, checked_at=checked_at,
                                 ttl_seconds=USAGE_CACHE_TTL)
        return used

    async def _forget_usage(self, user_id: uuid.UUID) -> None:
        # The counter change is committed already; failing the caller now would lose the unit it holds.
        try:
            await self.forget_usage(user_id)
        except (RedisError, OSError) as error:
            log.warning("could not drop the cached usage of user %s (%s)", user_id, type(error).__name__)


def _check_resource(resource: str) -> None:
    if resource not in RESOURCES:
        raise ValueError(f"unknown AI resource {resource!r}; expected one of {RESOURCES}")
