"""Webhook mode in one web app: Telegram (the emulator) pushes updates through a proxy; the app checks the
secret, handles each update once, and answers only after handling."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from core.bootstrap import Container
from core.db.models import User
from tests.bot.conftest import BotWorld, with_button, with_text
from tests.utils.asgi_server import serve_asgi
from tests.web.conftest import WEBHOOK_SECRET, Telegram
from web.app import create_web_app
from web.telegram import SECRET_HEADER, WEBHOOK_PATH


@pytest.fixture
async def web(container: Container, telegram: Telegram, proxy) -> AsyncIterator[str]:
    balancer, _ = proxy
    app = create_web_app(container)
    async with serve_asgi(app, lifespan="on") as base_url:
        balancer.backends.append(base_url)
        async with asyncio.timeout(10):
            while telegram.emulator.webhook_settings() is None:
                await asyncio.sleep(0.02)
        yield base_url


async def drained(telegram: Telegram) -> None:
    """Every pending update was delivered and acknowledged."""
    async with asyncio.timeout(15):
        while telegram.emulator.pending_update_count():
            await asyncio.sleep(0.02)


def bot_messages(telegram: Telegram, chat_id: int) -> list[dict]:
    return [view for view in telegram.emulator.messages(chat_id) if view["from"] == "bot"]


@pytest.fixture
def chat(telegram: Telegram, container: Container) -> BotWorld:
    return BotWorld(telegram.emulator, telegram.base_url, container, bot=None)


async def test_start_up_sets_the_webhook_with_the_secret_and_the_used_update_types(web: str, telegram: Telegram,
                                                                                   proxy) -> None:
    webhook = telegram.emulator.webhook_settings()

    assert webhook["url"] == f"{proxy[1]}{WEBHOOK_PATH}"
    assert webhook["secret_token"] == WEBHOOK_SECRET
    assert {"message", "callback_query"} <= set(webhook["allowed_updates"])


async def test_updates_pushed_to_the_webhook_are_answered(web: str, chat: BotWorld, telegram: Telegram) -> None:
    user = chat.user("en")

    question = await chat.say(user, "/start", with_button(":language:"))
    zone = await chat.press(user, question, ":language:en", with_text("🕒"))

    assert "time zone" in zone["text"]
    await drained(telegram)


@pytest.mark.parametrize("headers, status", [({}, 401), ({SECRET_HEADER: "wrong-secret"}, 403)])
async def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_handled(
        web: str, container: Container, headers: dict, status: int) -> None:
    update = {"update_id": 5, "message": {"message_id": 1, "date": 0, "text": "/start",
                                          "chat": {"id": 777, "type": "private"},
                                          "from": {"id": 777, "is_bot": False, "first_name": "Eve"}}}

    async with httpx.AsyncClient() as client:
        response = await client.post(web + WEBHOOK_PATH, json=update, headers=headers)

    assert response.status_code == status
    async with container.db.read() as session:
        assert (await session.scalars(select(User).filter_by(telegram_id=777))).first() is None


async def test_a_body_that_is_not_an_update_is_a_400(web: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(web + WEBHOOK_PATH, content=b"{not json",
                                     headers={SECRET_HEADER: WEBHOOK_SECRET, "content-type": "application/json"})

    assert response.status_code == 400


async def test_an_update_delivered_twice_is_answered_once(web: str, chat: BotWorld, telegram: Telegram) -> None:
    user = chat.user("en")
    await chat.say(user, "/start", with_button(":language:"))
    await drained(telegram)
    [delivered] = [u for u in telegram.emulator.delivered_updates() if u.get("message", {}).get("chat", {}).get("id") == user]

    answered = bot_messages(telegram, user)

    telegram.emulator.redeliver(delivered["update_id"])
    await drained(telegram)

    assert bot_messages(telegram, user) == answered


async def test_the_same_update_sent_to_the_app_concurrently_is_handled_once(
        web: str, chat: BotWorld, telegram: Telegram) -> None:
    user = chat.user("en")
    update = {"update_id": 900_001, "message": {
        "message_id": 1, "date": 0, "text": "/start", "chat": {"id": user, "type": "private", "first_name": "A"},
        "from": {"id": user, "is_bot": False, "first_name": "A", "language_code": "en"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}

    async with httpx.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(*(
            client.post(web + WEBHOOK_PATH, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) for _ in range(4)))

    # A duplicate is answered 200 only once the first delivery was handled, so every reply is in by now.
    assert [r.status_code for r in responses] == [200] * 4
    language_questions = [m for m in bot_messages(telegram, user) if with_button(":language:")(m)]
    assert len(language_questions) == 1


async def test_metrics_count_webhook_outcomes_and_need_the_token(web: str, chat: BotWorld, container: Container) -> None:
    user = chat.user("en")
    await chat.say(user, "/start", with_button(":language:"))

    async with httpx.AsyncClient() as client:
        page = (await client.get(web + "/metrics")).text

    assert 'mechta_webhook_updates_total{outcome="handled"}' in page
    assert 'mechta_bot_updates_total{outcome="handled",type="message"}' in page
    assert 'route="/api/v1/telegram/webhook"' in page
