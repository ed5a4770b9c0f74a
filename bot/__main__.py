"""`python -m bot`: migrate, then long-poll the Bot API (Telegram, or the playground emulator served by the web
process). In webhook mode (BOT_WEBHOOK_URL) the web replicas receive the updates and there is nothing to poll."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from bot.commands import set_commands
from bot.dispatcher import create_dispatcher
from bot.factory import create_bot
from bot.runtime import freeze_startup_heap, heartbeat, leave_webhook_mode, wait_for_api
from core.bootstrap import build_container, configure_logging
from core.config import startup_settings

log = logging.getLogger("mechta.bot")


async def run() -> None:
    settings = startup_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.webhook_enabled:
        log.info("BOT_WEBHOOK_URL is set: the web process receives updates at %s; no poller runs",
                 settings.bot_webhook_url)
        return
    await migrate()
    container = build_container(settings)
    bot = create_bot(settings)
    dispatcher = create_dispatcher(container)
    beating = asyncio.create_task(heartbeat(container, "playground" if settings.playground_enabled else "polling"))
    try:
        await wait_for_api(bot, patient=settings.playground_enabled)
        if settings.playground_enabled:
            log.info("playground: chat with the bot at %s/playground", settings.effective_public_base_url)
        await leave_webhook_mode(bot)
        await set_commands(bot, dispatcher["i18n"])
        freeze_startup_heap()
        await dispatcher.start_polling(bot, allowed_updates=dispatcher.resolve_used_update_types())
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        await dispatcher.fsm.close()
        await bot.session.close()
        await container.close()


async def migrate() -> None:
    """Bring the database to the latest revision in a short-lived child process: alembic is some 20 MiB the
    polling process would otherwise keep for its whole life."""
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "core.db.migrate")
    if await child.wait():
        raise SystemExit(f"migrating the database failed (exit code {child.returncode})")


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
