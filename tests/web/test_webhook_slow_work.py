"""Slow work in webhook mode (issue 13): a handler does not sit on an AI call. The coach's answer runs in the
background (bot/slow_work.py) after the webhook has answered Telegram; a second question meanwhile is refused
with a short note; the answer still arrives. Real web app, the emulator pushing through the proxy, a fake OpenAI
answer held back until the test has seen the waiting state (so "before the AI finished" holds on any machine)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

import pytest

from core.bootstrap import Container
from core.config import Settings
from tests.bot.conftest import button_data, with_button
from tests.calendar.conftest import MONDAY, START, add_steps
from tests.fakes.openai_server import FakeOpenAI, held, with_fake_openai
from tests.scheduler.support import tg_user
from tests.utils.asgi_server import serve_asgi
from tests.web.conftest import Telegram
from web.app import create_web_app

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
# How long a step may take on a loaded CI machine. Nothing here waits it out: the held AI answer goes out when the
# test releases it, so "answered while the AI is thinking" does not depend on the machine's speed.
WAIT_SECONDS = 30


@pytest.fixture
def settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    return with_fake_openai(settings, fake_openai, timeout=3 * WAIT_SECONDS)


@pytest.fixture
async def web(container: Container, telegram: Telegram, proxy) -> AsyncIterator[str]:
    balancer, _ = proxy
    async with serve_asgi(create_web_app(container), lifespan="on") as base_url:
        balancer.backends.append(base_url)
        await until(lambda: telegram.emulator.webhook_settings() is not None)
        yield base_url


def bot_texts(telegram: Telegram, chat: int) -> list[str]:
    return [view["text"] or "" for view in telegram.emulator.messages(chat) if view["from"] == "bot"]


async def until(condition, seconds: float = WAIT_SECONDS) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


async def test_the_webhook_answers_before_a_slow_ai_call_finishes_and_the_answer_still_arrives(
        web: str, container: Container, telegram: Telegram, fake_openai: FakeOpenAI) -> None:
    container.clock.set(NOW)
    chat = telegram.emulator.create_user("Anna", "en")["id"]
    await tg_user(container, telegram_id=chat, locale="en", first_name="Anna", onboarded_at=NOW,
                  morning=time(8), evening=time(21))
    thinking = held({"content": "Take it slow.", "actions": []})
    fake_openai.chat.append(thinking)

    telegram.emulator.user_sends_text(chat, "What now?")
    # The update is acknowledged while the AI is still thinking: no answer yet, the request is at the AI.
    await until(lambda: telegram.emulator.pending_update_count() == 0 and fake_openai.chat_requests())
    assert not any("Take it slow." in text for text in bot_texts(telegram, chat))
    assert telegram.emulator.chat_action(chat)[0] == "typing"

    # A second question while the first is being answered is refused with a note, and the AI is not asked again.
    telegram.emulator.user_sends_text(chat, "And tomorrow?")
    await until(lambda: any("still answering your previous message" in text for text in bot_texts(telegram, chat)))
    # The progress message (shown after 2 s) appears while the AI thinks, and becomes the answer.
    await until(lambda: any("Thinking it over" in text for text in bot_texts(telegram, chat)))
    thinking.release()

    await until(lambda: any(text == "Take it slow." for text in bot_texts(telegram, chat)))
    assert len(fake_openai.chat_requests()) == 1
    assert not any("Thinking it over" in text for text in bot_texts(telegram, chat))


async def test_a_second_plan_my_week_while_the_first_is_worded_is_refused_with_a_note(
        web: str, container: Container, telegram: Telegram, fake_openai: FakeOpenAI) -> None:
    container.clock.set(START)
    chat = telegram.emulator.create_user("Anna", "en")["id"]
    user = await tg_user(container, telegram_id=chat, locale="en", time_zone="Europe/Berlin", first_name="Anna",
                         onboarded_at=START, morning=time(8), evening=time(21))
    (run,) = await add_steps(container, user, ("Long run", 60, 1, MONDAY))
    thinking = held({"reasons": [{"block_id": str(run.id), "reason": "Fresh legs."}],
                     "summary": "One run.\nAn easy week."})
    fake_openai.chat.append(thinking)

    telegram.emulator.user_sends_text(chat, "/calendar plan")
    await until(lambda: telegram.emulator.pending_update_count() == 0 and fake_openai.chat_requests())
    telegram.emulator.user_sends_text(chat, "/calendar plan")

    await until(lambda: any("already working on it" in text for text in bot_texts(telegram, chat)))
    assert not any("Fresh legs." in text for text in bot_texts(telegram, chat))
    thinking.release()
    await until(lambda: any("Fresh legs." in text for text in bot_texts(telegram, chat)))
    assert len(fake_openai.chat_requests()) == 1
    plans = [view for view in telegram.emulator.messages(chat) if "Your week" in (view["text"] or "")]
    assert len(plans) == 1 and any(":accept:" in button["callback_data"]
                                   for row in plans[0]["keyboard"] for button in row)


async def test_a_goal_proposal_is_answered_at_once_and_arrives_after_the_slow_ai(
        web: str, container: Container, telegram: Telegram, fake_openai: FakeOpenAI) -> None:
    container.clock.set(NOW)
    chat = telegram.emulator.create_user("Anna", "en")["id"]
    user = await tg_user(container, telegram_id=chat, locale="en", first_name="Anna", onboarded_at=NOW,
                         morning=time(8), evening=time(21))
    await container.wheel.create(user.id, {"health": 3, "career": 5})
    thinking = held({"goals": [{
        "title": "Run a half marathon", "description": "Train three times a week.", "area_id": "health",
        "horizon": "1y", "metric": "21 km", "why": "Health is low."}]})
    fake_openai.chat.append(thinking)
    telegram.emulator.user_sends_text(chat, "/goals")
    await until(lambda: any(with_button("ga:propose")(view) for view in telegram.emulator.messages(chat)))
    [goals] = [view for view in telegram.emulator.messages(chat) if with_button("ga:propose")(view)]

    telegram.emulator.user_presses_button(chat, goals["id"], button_data(goals, "ga:propose"))
    await until(lambda: telegram.emulator.pending_update_count() == 0 and fake_openai.chat_requests())
    assert not any("I have 1 goal to suggest" in text for text in bot_texts(telegram, chat))
    thinking.release()

    await until(lambda: any("I have 1 goal to suggest" in text for text in bot_texts(telegram, chat)))
    await until(lambda: any("Run a half marathon" in text for text in bot_texts(telegram, chat)))
