"""The slow tail of a handler (an AI call, a chart) runs after its update is answered.

Telegram waits a limited time for a webhook's answer, and an update is acknowledged only once it was handled, so
a handler must not sit on an AI call. The pattern, at every slow call site:
1. the handler saves the person's input (one transaction) and shows progress ("typing…", a progress message
   whose button can start the work again);
2. it hands the rest to `SlowWork.start(chat_id, name, job)` and returns; the update is answered at once.
The job is safe to lose: if the replica dies, the input is saved and the person presses "try again" (or opens
the screen again). While a job runs, a second start of the same work for the same chat (a double tap, the same
button on another replica) is refused, so the AI is not asked twice; the mark outlives a dead replica by at most
one lease.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable

from core import metrics
from core.cache import Cache

log = logging.getLogger("mechta.bot.slow_work")
LEASE_SECONDS = 60
RENEW_EVERY_SECONDS = 20


class SlowWork:
    def __init__(self, cache: Cache, *, lease_seconds: int = LEASE_SECONDS,
                 renew_every_seconds: float = RENEW_EVERY_SECONDS) -> None:
        self.cache = cache
        self.lease_seconds = lease_seconds
        self.renew_every_seconds = renew_every_seconds
        self._running: set[asyncio.Task] = set()

    @staticmethod
    def _key(chat_id: int, name: str) -> str:
        return f"bot:slow:{chat_id}:{name}"

    async def start(self, chat_id: int, name: str, job: Callable[[], Awaitable[None]]) -> bool:
        """Run `job` in the background; False (and nothing started) when the same work already runs for the chat.

        `job` tells the person about its own expected failures; anything unexpected is logged and counted.
        """
        key = self._key(chat_id, name)
        token = secrets.token_hex(8)
        if not await self.cache.set_if_absent(key, json.dumps(token), self.lease_seconds):
            metrics.BACKGROUND_JOBS.labels(name, "already_running").inc()
            return False
        task = asyncio.create_task(self._run(key, token, name, job), name=f"slow-work:{name}:{chat_id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return True

    async def is_running(self, chat_id: int, name: str) -> bool:
        return await self.cache.get_json(self._key(chat_id, name)) is not None

    async def _run(self, key: str, token: str, name: str, job: Callable[[], Awaitable[None]]) -> None:
        renewing = asyncio.create_task(self._renew(key, token))
        outcome = "failed"
        try:
            await job()
            outcome = "ok"
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except Exception:
            log.exception("background work %s failed", name)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            metrics.BACKGROUND_JOBS.labels(name, outcome).inc()
            with contextlib.suppress(Exception):  # the mark expires by itself if the cache is away
                await self.cache.delete(key)

    async def _renew(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.renew_every_seconds)
            with contextlib.suppress(Exception):
                await self.cache.set_json(key, token, self.lease_seconds)

    async def drain(self, timeout: float) -> None:
        """At shutdown: let running jobs finish for up to `timeout` seconds, then cancel the rest."""
        if not self._running:
            return
        _, pending = await asyncio.wait(set(self._running), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d background job(s) at shutdown; their input is saved for a retry",
                        len(pending))
            await asyncio.gather(*pending, return_exceptions=True)
