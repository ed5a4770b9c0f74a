"""POST /api/v1/telegram/webhook: Telegram's updates fed to the bot's Dispatcher, each handled once.

1. The secret header must match BOT_WEBHOOK_SECRET (401 missing, 403 wrong; one log line, nothing handled).
2. The update is claimed (core/services/update_claims.py): one replica handles it; a delivery of an update
   already handled is answered 200 and dropped; one that another replica is handling right now waits a moment
   for it and otherwise gets 503, so Telegram delivers it again later.
3. The answer is 200 only after the Dispatcher has handled the update, so a replica killed mid-update loses
   nothing: Telegram redelivers, and the dead replica's claim runs out. Handlers hand slow work (AI, charts)
   to the background (bot/slow_work.py), which keeps this answer within a few seconds.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging

from aiogram.types import Update
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.errors import error_response
from bot.dispatcher import create_dispatcher
from bot.factory import create_bot
from bot.runtime import heartbeat, install_webhook
from core import metrics
from core.bootstrap import Container
from core.cache import RedisCache
from core.logs import bound
from core.services.update_claims import Claim, ClaimState, UpdateClaims

log = logging.getLogger("mechta.webhook")

WEBHOOK_PATH = "/api/v1/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A redelivery that finds the update in progress elsewhere waits this long for it before asking for a retry.
BUSY_WAIT_SECONDS = 3.0
BUSY_POLL_SECONDS = 0.1
SLOW_WORK_DRAIN_SECONDS = 20


class TelegramWebhook:
    def __init__(self, container: Container) -> None:
        settings = container.settings
        self.container = container
        self.bot = create_bot(settings)
        self.dispatcher = create_dispatcher(container)
        self.claims = UpdateClaims(container.db, container.clock, redis=container.redis, prefix=settings.redis_prefix,
                                   lease_seconds=settings.bot_webhook_claim_lease_seconds,
                                   done_ttl_seconds=settings.bot_webhook_done_ttl_hours * 3600)
        self._secret = settings.bot_webhook_secret.get_secret_value().encode()
        self._background: list[asyncio.Task] = []

    async def start(self) -> None:
        """Set the webhook in the background: in the playground, the Bot API answering it is this very process,
        which serves requests only once start-up is over."""
        self._background = [asyncio.create_task(install_webhook(self.bot, self.dispatcher)),
                            asyncio.create_task(heartbeat(self.container, "webhook"))]
        if not isinstance(self.container.cache, RedisCache):
            log.warning("webhook mode without Redis: updates are claimed in the database, but one chat's updates "
                        "are kept in order only within a replica; run one replica or set REDIS_URL")

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.dispatcher["slow_work"].drain(SLOW_WORK_DRAIN_SECONDS)
        await self.dispatcher.fsm.close()
        await self.bot.session.close()

    async def handle(self, request: Request) -> Response:
        refusal = self._check_secret(request.headers.get(SECRET_HEADER))
        if refusal is not None:
            return refusal
        try:
            update = Update.model_validate(json.loads(await request.body()), context={"bot": self.bot})
        except (ValueError, ValidationError):
            metrics.webhook_update("invalid")
            return error_response(400, "VALIDATION_ERROR", "The body is not a Telegram update.")

        with bound(update_id=update.update_id):
            return await self._handle_once(update)

    async def _handle_once(self, update: Update) -> Response:
        state, claim = await self.claims.claim(self.bot.id, update.update_id)
        if state is ClaimState.IN_PROGRESS:
            state, claim = await self._wait_for_other_replica(update.update_id)
        if state is ClaimState.DONE:
            metrics.webhook_update("duplicate")
            log.info("update %s was already handled; duplicate dropped", update.update_id)
            return _ok()
        if claim is None:
            metrics.webhook_update("busy")
            return error_response(503, "UPDATE_IN_PROGRESS", "Another replica is handling this update.",
                                  headers={"Retry-After": "1"})

        renewing = asyncio.create_task(self._keep_claim(claim))
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:
            # The errors router answers the person for handler failures; this is the rest (the database or Redis
            # gone before a handler ran). Let Telegram deliver it again.
            log.exception("update %s could not be handled; Telegram will redeliver it", update.update_id)
            await _quietly(self.claims.release(claim))
            metrics.webhook_update("failed")
            return error_response(500, "INTERNAL_ERROR", "The update could not be handled; please redeliver.")
        except asyncio.CancelledError:
            await _quietly(self.claims.release(claim))
            raise
        finally:
            renewing.cancel()
        await self.claims.finish(claim)
        metrics.webhook_update("handled")
        return _ok()

    def _check_secret(self, given: str | None) -> Response | None:
        if given is None:
            metrics.webhook_update("refused")
            log.warning("webhook call without the secret token header refused")
            return error_response(401, "UNAUTHORIZED", "The secret token header is missing.")
        if not hmac.compare_digest(given.encode(), self._secret):
            metrics.webhook_update("refused")
            log.warning("webhook call with a wrong secret token refused")
            return error_response(403, "FORBIDDEN", "The secret token does not match.")
        return None

    async def _wait_for_other_replica(self, update_id: int) -> tuple[ClaimState, Claim | None]:
        """DONE once the other replica finished; CLAIMED if it gave up or died meanwhile (ours to handle now)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_WAIT_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(BUSY_POLL_SECONDS)
            state, claim = await self.claims.claim(self.bot.id, update_id)
            if state is not ClaimState.IN_PROGRESS:
                return state, claim
        return ClaimState.IN_PROGRESS, None

    async def _keep_claim(self, claim: Claim) -> None:
        while True:
            await asyncio.sleep(self.claims.lease_seconds / 3)
            if not await self.claims.renew(claim):
                log.warning("update %s: the claim ran out while it was being handled", claim.update_id)
                return


def _ok() -> Response:
    return JSONResponse({"ok": True})


async def _quietly(awaitable) -> None:
    with contextlib.suppress(Exception):
        await awaitable
