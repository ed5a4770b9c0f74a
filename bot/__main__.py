"""`python -m bot`: migrate, then long-poll the Bot API (Telegram, or the playground emulator served by the API)."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import ClientError

from bot.commands import set_commands
from bot.dispatcher import create_dispatcher
from bot.factory import create_bot
from core.bootstrap import Container, build_container, configure_logging
from core.config import get_settings
from core.db.migrate import upgrade_async

log = logging.getLogger("mechta.bot")
HEARTBEAT_SECONDS = 30
API_WAIT_SECONDS = 2


async def wait_for_api(bot: Bot, *, patient: bool) -> None:
    """In the playground the emulator lives in the API process, which may still be starting: keep asking."""
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


async def heartbeat(container: Container) -> None:
    while True:
        try:
            await container.health.beat("bot", {"mode": "playground" if container.settings.playground_enabled
                                                 else "telegram"})
        except Exception:  # a missed beat shows as "stale" on the status page; the bot keeps serving
            log.warning("could not write the bot heartbeat", exc_info=True)
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def run() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    await upgrade_async(settings.database_url)
    container = build_container(settings)
    bot = create_bot(settings)
    dispatcher = create_dispatcher(container)
    beating = asyncio.create_task(heartbeat(container))
    try:
        await wait_for_api(bot, patient=settings.playground_enabled)
        if settings.playground_enabled:
            log.info("playground: chat with the bot at %s/playground", settings.effective_public_base_url)
        await set_commands(bot, dispatcher["i18n"])
        await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        await dispatcher.storage.close()
        await bot.session.close()
        await container.close()


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
