"""Each Telegram update is handled once, however many replicas receive it and however often Telegram retries.

The protocol, for one (bot, update_id):
1. `claim` before handling. Exactly one caller gets CLAIMED; it holds a lease of `lease_seconds`, renewed while
   it works (`renew`). Others get IN_PROGRESS (answer "retry later", so Telegram redelivers) or DONE (answer 200:
   it was handled — the duplicate is dropped).
2. `finish` after handling: the claim becomes DONE and is remembered for `done_ttl_seconds` (a day), longer than
   Telegram keeps retrying.
3. `release` when handling failed in a way worth retrying: the next delivery claims it afresh.
A replica killed mid-update never finishes nor renews: its lease runs out and the redelivery claims the update.

Redis (`SET NX` with an expiry) when configured; the `telegram_update_claims` table otherwise — and also while
Redis is unreachable, so a Redis outage costs speed, not correctness of new claims. The claims this process holds
are also known in memory and checked first: a duplicate delivered to the same process while Redis stops answering
(a claim held there is then invisible) is still IN_PROGRESS, not claimed a second time in the database.
"""
from __future__ import annotations

import contextlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError

from core.cache import RedisUnavailable, ResilientRedis
from core.clock import Clock
from core.db.engine import Database
from core.db.models import TelegramUpdateClaim

log = logging.getLogger("mechta.update_claims")

DONE = "done"
PRUNE_EVERY_SECONDS = 600

# A claim is finished, renewed or released only by the attempt that holds it (its token); a finish after the
# lease ran out still counts when nobody else has taken the update since.
_FINISH = """
local value = redis.call('GET', KEYS[1])
if value == ARGV[1] or value == false or value == 'done' then
  redis.call('SET', KEYS[1], 'done', 'EX', ARGV[2])
  return 1
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class ClaimState(StrEnum):
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass(frozen=True)
class Claim:
    bot_id: int
    update_id: int
    token: str
    store: str  # "redis" or "database": where it must be finished


class UpdateClaims:
    def __init__(self, db: Database, clock: Clock, *, redis: ResilientRedis | None, prefix: str, lease_seconds: int,
                 done_ttl_seconds: int) -> None:
        self.db = db
        self.clock = clock
        self.redis = redis
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.done_ttl_seconds = done_ttl_seconds
        self._pruned_at = 0.0
        self._held: set[tuple[int, int]] = set()  # (bot id, update id) of the claims this process holds

    def _key(self, bot_id: int, update_id: int) -> str:
        return f"{self.prefix}tg:update:{bot_id}:{update_id}"

    async def claim(self, bot_id: int, update_id: int) -> tuple[ClaimState, Claim | None]:
        if (bot_id, update_id) in self._held:
            return ClaimState.IN_PROGRESS, None
        state, claim = await self._claim(bot_id, update_id, secrets.token_hex(16))
        if claim is not None:
            self._held.add((bot_id, update_id))
        return state, claim

    async def _claim(self, bot_id: int, update_id: int, token: str) -> tuple[ClaimState, Claim | None]:
        if self.redis is not None:
            try:
                return await self._claim_in_redis(bot_id, update_id, token)
            except RedisUnavailable:
                pass  # the database below; the breaker logged the outage
        return await self._claim_in_database(bot_id, update_id, token)

    async def renew(self, claim: Claim) -> bool:
        """Extend the lease; False when the claim was lost (the lease ran out and another replica took it)."""
        if claim.store == "redis":
            key = self._key(claim.bot_id, claim.update_id)
            try:
                return bool(await self.redis.call(lambda redis: redis.eval(_RENEW, 1, key, claim.token,
                                                                           self.lease_seconds)))
            except RedisUnavailable:
                return True  # cannot tell; the handler goes on and `finish` settles it
        async with self.db.transaction() as session:
            row = await session.get(TelegramUpdateClaim, (claim.bot_id, claim.update_id), with_for_update=True)
            if row is None or row.token != claim.token or row.finished_at is not None:
                return False
            row.lease_until = self.clock.now() + timedelta(seconds=self.lease_seconds)
            return True

    async def finish(self, claim: Claim) -> None:
        try:
            await self._finish(claim)
        finally:
            self._held.discard((claim.bot_id, claim.update_id))

    async def _finish(self, claim: Claim) -> None:
        if claim.store == "redis":
            key = self._key(claim.bot_id, claim.update_id)
            try:
                await self.redis.call(lambda redis: redis.eval(_FINISH, 1, key, claim.token, self.done_ttl_seconds))
                return
            except RedisUnavailable as error:
                log.warning("could not mark update %s done in Redis (%s); recording it in the database",
                            claim.update_id, error)
        await self._finish_in_database(claim)

    async def release(self, claim: Claim) -> None:
        try:
            await self._release(claim)
        finally:
            self._held.discard((claim.bot_id, claim.update_id))

    async def _release(self, claim: Claim) -> None:
        if claim.store == "redis":
            key = self._key(claim.bot_id, claim.update_id)
            with contextlib.suppress(RedisUnavailable):  # if unreachable, the lease runs out on its own
                await self.redis.call(lambda redis: redis.eval(_RELEASE, 1, key, claim.token))
            return
        async with self.db.transaction() as session:
            await session.execute(delete(TelegramUpdateClaim).filter_by(
                bot_id=claim.bot_id, update_id=claim.update_id, token=claim.token, finished_at=None))

    # ---- Redis ---------------------------------------------------------------------------------------------

    async def _claim_in_redis(self, bot_id: int, update_id: int, token: str) -> tuple[ClaimState, Claim | None]:
        key = self._key(bot_id, update_id)
        for _ in range(2):  # the holder's key may expire between SET NX and GET: then try once more
            if await self.redis.call(lambda redis: redis.set(key, token, nx=True, ex=self.lease_seconds)):
                return ClaimState.CLAIMED, Claim(bot_id, update_id, token, "redis")
            current = await self.redis.call(lambda redis: redis.get(key))
            if isinstance(current, bytes):
                current = current.decode()
            if current == DONE:
                return ClaimState.DONE, None
            if current is not None:
                return ClaimState.IN_PROGRESS, None
        return ClaimState.IN_PROGRESS, None

    # ---- the database --------------------------------------------------------------------------------------

    async def _claim_in_database(self, bot_id: int, update_id: int, token: str) -> tuple[ClaimState, Claim | None]:
        for attempt in range(2):
            try:
                return await self._claim_row(bot_id, update_id, token)
            except IntegrityError:
                # Two replicas inserted the same update at once; the loser reads the winner's row.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _claim_row(self, bot_id: int, update_id: int, token: str) -> tuple[ClaimState, Claim | None]:
        now = self.clock.now()
        lease_until = now + timedelta(seconds=self.lease_seconds)
        async with self.db.transaction() as session:
            row = await session.get(TelegramUpdateClaim, (bot_id, update_id), with_for_update=True)
            if row is None:
                session.add(TelegramUpdateClaim(bot_id=bot_id, update_id=update_id, token=token,
                                                lease_until=lease_until))
            elif row.finished_at is not None:
                return ClaimState.DONE, None
            elif row.lease_until > now:
                return ClaimState.IN_PROGRESS, None
            else:
                row.token, row.lease_until = token, lease_until  # the holder died: take the update over
        return ClaimState.CLAIMED, Claim(bot_id, update_id, token, "database")

    async def _finish_in_database(self, claim: Claim) -> None:
        now = self.clock.now()
        for attempt in range(2):
            try:
                async with self.db.transaction() as session:
                    row = await session.get(TelegramUpdateClaim, (claim.bot_id, claim.update_id),
                                            with_for_update=True)
                    if row is None:
                        session.add(TelegramUpdateClaim(bot_id=claim.bot_id, update_id=claim.update_id,
                                                        token=claim.token, lease_until=now, finished_at=now))
                    elif row.finished_at is None and row.token == claim.token:
                        row.finished_at = now
                break
            except IntegrityError:
                if attempt:
                    raise
        await self._prune(now)

    async def _prune(self, now) -> None:
        """Forget finished (and abandoned) claims older than the done TTL, at most every few minutes."""
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        horizon = now - timedelta(seconds=self.done_ttl_seconds)
        async with self.db.transaction() as session:
            await session.execute(delete(TelegramUpdateClaim).where(or_(
                TelegramUpdateClaim.finished_at < horizon,
                TelegramUpdateClaim.lease_until < horizon)))
