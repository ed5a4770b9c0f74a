"""`python -m scheduler`: deliver ritual prompts (and other periodic work) until SIGINT/SIGTERM.

Talks to settings.effective_telegram_api_url with settings.effective_bot_token, so in playground mode the prompts
land in the API's Bot API emulator.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from functools import partial

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.rituals.render import render_ritual_prompt
from core.bootstrap import build_container, configure_logging
from core.config import startup_settings
from scheduler.app import SchedulerApp, freeze_startup_heap
from scheduler.rate_limit import create_send_rate_limiter
from scheduler.telegram_sender import TelegramPromptSender

log = logging.getLogger("mechta.scheduler")


async def main() -> None:
    settings = startup_settings()
    configure_logging(settings.log_level, settings.log_format)
    container = build_container(settings)
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.effective_telegram_api_url))
    bot = Bot(token=settings.effective_bot_token, session=session)
    # The bot's renderer: the day's energy, steps and answer buttons, from the user's data in the database.
    sender = TelegramPromptSender(bot, partial(render_ritual_prompt, container),
                                  limiter=create_send_rate_limiter(container.cache, settings.telegram_send_rate))
    app = SchedulerApp(container, sender)
    freeze_startup_heap()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, app.stopping.set)
    log.info("scheduler started: tick every %s s, Bot API at %s", settings.scheduler_tick_seconds,
             settings.effective_telegram_api_url)
    try:
        await app.run_until_stopped()
    finally:
        await bot.session.close()
        await container.close()
        log.info("scheduler stopped")


if __name__ == "__main__":
    asyncio.run(main())
