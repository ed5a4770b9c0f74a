"""Prompts through a real aiogram Bot to the Bot API emulator over HTTP."""
import asyncio
import time
from datetime import date
from functools import partial

import pytest

from bot.rituals.render import render_ritual_prompt
from core.services.prompts_delivery import PromptRejected
from playground import create_playground_app
from scheduler.rate_limit import LocalSendRateLimiter, RedisSendRateLimiter
from scheduler.telegram_sender import TelegramPromptSender
from tests.scheduler.conftest import make_bot
from tests.scheduler.support import at, log_rows, reload, tg_user
from tests.utils.asgi_server import serve_asgi

BERLIN = "Europe/Berlin"


def sender_for(bot, container, rate: float = 100) -> TelegramPromptSender:
    return TelegramPromptSender(bot, partial(render_ritual_prompt, container), limiter=LocalSendRateLimiter(rate))


async def instant_prompt(user, kind: str, local_date: date) -> tuple[str, None]:
    """For timing the sender alone: the bot's renderer reads the database, which would pace the sends itself."""
    return f"{kind} {local_date}", None


async def test_due_prompt_arrives_in_the_users_chat(container, clock, playground, bot):
    chat = playground.emulator.create_user("Anna", "ru")
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container, telegram_id=chat["id"], locale="ru", first_name="Анна")

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender_for(bot, container))

    [message] = playground.emulator.messages(chat["id"])
    assert message["from"] == "bot"
    assert message["text"].startswith("🌅 Доброе утро, Анна!")
    assert message["keyboard"]
    assert [row.status for row in await log_rows(container, user)] == ["sent"]


async def test_names_are_escaped_in_the_html_prompt(container, clock, playground, bot):
    chat = playground.emulator.create_user("Tag", "en")
    clock.set(at(BERLIN, 2024, 6, 3, 20, 0))
    await tg_user(container, telegram_id=chat["id"], display_name="<b>Bo</b> & co")

    clock.set(at(BERLIN, 2024, 6, 3, 21, 0, 5))
    await container.prompt_delivery.deliver_due(sender_for(bot, container))

    [message] = playground.emulator.messages(chat["id"])
    assert message["text"].startswith("🌙 Good evening, <b>Bo</b> & co!")
    assert "&lt;b&gt;Bo&lt;/b&gt; &amp; co" in message["html"]


async def test_user_who_blocked_the_bot_is_marked_and_gets_no_more_prompts(container, clock, playground, bot):
    chat = playground.emulator.create_user("Boris", "en")
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container, telegram_id=chat["id"])
    playground.emulator.set_blocked(chat["id"], True)

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    report = await container.prompt_delivery.deliver_due(sender_for(bot, container))
    playground.emulator.set_blocked(chat["id"], False)  # Telegram would now accept messages again...
    clock.set(at(BERLIN, 2024, 6, 3, 21, 0, 5))
    later = await container.prompt_delivery.deliver_due(sender_for(bot, container))

    assert report.blocked == 1
    assert (await reload(container, user)).bot_blocked_at == at(BERLIN, 2024, 6, 3, 8, 0, 5)
    assert later.claimed == 0  # ...but the bot only resumes when it learns of it (set_bot_blocked(False))
    assert playground.emulator.messages(chat["id"]) == []
    [row] = await log_rows(container, user)
    assert (row.status, row.detail) == ("failed", "the user blocked the bot")


async def test_unknown_chat_is_rejected_for_good(playground, bot, container, clock):
    user = await tg_user(container, telegram_id=999_999_999)
    with pytest.raises(PromptRejected, match="chat not found"):
        await sender_for(bot, container).send(user, "morning", date(2024, 6, 3))


async def test_telegrams_retry_after_is_waited_out_and_the_message_sent(tmp_path, container, clock):
    app = create_playground_app(tmp_path / "limited", rate_limit_per_second=2)
    emulator = app.state.emulator
    chat = emulator.create_user("Vera", "en")
    user = await tg_user(container, telegram_id=chat["id"])
    async with serve_asgi(app) as base_url:
        bot = make_bot(base_url)
        try:
            # Our own limiter out of the way: only Telegram's 429s pace it.
            sender = TelegramPromptSender(bot, instant_prompt, limiter=LocalSendRateLimiter(1000))
            started = time.monotonic()
            for kind in ("morning", "evening", "weekly"):
                await sender.send(user, kind, date(2024, 6, 3))
            elapsed = time.monotonic() - started
        finally:
            await bot.session.close()

    assert len(emulator.messages(chat["id"])) == 3
    assert elapsed >= 0.9  # the third send got "retry after 1" and waited it out


async def test_redis_limiter_paces_all_processes_together(container):
    redis = container.redis
    key = container.settings.redis_prefix + "test:send-slot"
    limiters = [RedisSendRateLimiter(redis, key, rate=50) for _ in range(2)]  # two "processes", one budget

    started = time.monotonic()
    await asyncio.gather(*(limiters[index % 2].acquire() for index in range(21)))
    elapsed = time.monotonic() - started

    # 21 sends at 50/s need 20 intervals of 20 ms: at least 0.4 s, however they were split between the two.
    assert elapsed >= 0.39
    assert elapsed < 1.5
