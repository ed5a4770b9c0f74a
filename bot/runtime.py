"""Start-up and liveness of the bot, shared by the poller (`python -m bot`) and the webhook (the web process)."""
from __future__ import annotations

import asyncio
import gc
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiohttp import ClientError

from bot.commands import set_commands
from core.bootstrap import Container

log = logging.getLogger("mechta.bot")
HEARTBEAT_SECONDS = 30
API_WAIT_SECONDS = 2
WEBHOOK_RETRY_SECONDS = (1, 2, 5, 10, 30)


def freeze_startup_heap() -> None:
    """Move everything start-up made (modules, the container, the dispatcher and its routers) out of the garbage
    collector's sight. Every update allocates enough to set off collections now and then, and each full one walked
    these hundreds of thousands of objects that never become garbage (a few hundred ms, every few hundred updates)."""
    gc.collect()
    gc.freeze()


async def wait_for_api(bot: Bot, *, patient: bool) -> None:
    """In the playground the emulator lives in the web process, which may still be starting: keep asking."""
    while True:
        try:
            me = await bot.get_me()
        except (ClientError, TelegramAPIError, OSError) as error:
            if not patient:
                raise
            log.info("waiting for the Bot API at %s (%s)", bot.session.api.base, type(error).__name__)
            await asyncio.sleep(API_WAIT_SECONDS)
            continue
        log.info("bot @%s is up", me.username)
        return


async def heartbeat(container: Container, mode: str) -> None:
    while True:
        try:
            await container.health.beat("bot", {"mode": mode})
        except Exception:  # a missed beat shows as "stale" on the status page; the bot keeps serving
            log.warning("could not write the bot heartbeat", exc_info=True)
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def install_webhook(bot: Bot, dispatcher: Dispatcher) -> None:
    """Point Telegram at our webhook and publish the command menu; retried until it works.

    Every replica does this at start: setWebhook with the same arguments is idempotent, and the secret cannot be
    read back to compare, so it is always sent. Several replicas starting together may be told to retry later.
    """
    settings = dispatcher["container"].settings
    attempt = 0
    while True:
        try:
            await bot.set_webhook(
                settings.bot_webhook_url,
                secret_token=settings.bot_webhook_secret.get_secret_value(),
                allowed_updates=dispatcher.resolve_used_update_types(),
                max_connections=settings.bot_webhook_max_connections,
                drop_pending_updates=False,
            )
            await set_commands(bot, dispatcher["i18n"])
        except TelegramRetryAfter as error:
            await asyncio.sleep(error.retry_after)
            continue
        except TelegramBadRequest as error:
            # A refused URL does not get better by asking again; the status page shows no bot heartbeat.
            log.error("Telegram refused the webhook %s: %s", settings.bot_webhook_url, error.message)
            return
        except (ClientError, TelegramAPIError, OSError) as error:
            delay = WEBHOOK_RETRY_SECONDS[min(attempt, len(WEBHOOK_RETRY_SECONDS) - 1)]
            attempt += 1
            log.warning("could not set the webhook (%s); retrying in %s s", type(error).__name__, delay)
            await asyncio.sleep(delay)
            continue
        log.info("webhook set: Telegram delivers updates to %s", settings.bot_webhook_url)
        return


async def leave_webhook_mode(bot: Bot) -> None:
    """Polling and a webhook exclude each other: switching back to polling removes the webhook, keeping the
    updates Telegram holds so none is lost in the switch."""
    info = await bot.get_webhook_info()
    if info.url:
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("webhook %s removed: polling from now on", info.url)
