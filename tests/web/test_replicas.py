"""Two web replicas and two schedulers (separate processes) on one PostgreSQL and Redis, the replicas behind a
round-robin proxy, with the Bot API emulator as Telegram: the deployment of docker-compose.yml, on this machine.

One test drives the whole story, because each process takes seconds to start: setWebhook with the secret, a new
user's onboarding spread over both replicas, a wrong secret refused, a duplicate answered once, a replica killed
with SIGKILL mid-traffic without losing an update; both replicas' /metrics and JSON logs are read; then two
scheduler processes share a wave of due morning prompts and each person gets exactly one.
"""
from __future__ import annotations

import ast
import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from core.db.migrate import upgrade_async
from core.db.models import RitualPromptLog, User
from playground import create_playground_app
from tests.bot.conftest import BotWorld, with_button, with_text
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL, TEST_REDIS_URL, _postgres_admin
from tests.utils.asgi_server import serve_asgi
from tests.utils.processes import Child, free_port, start_module
from tests.utils.round_robin_proxy import RoundRobinProxy
from tests.web.conftest import WEBHOOK_SECRET
from web.telegram import SECRET_HEADER, WEBHOOK_PATH

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="replicas share one PostgreSQL database")

METRICS_TOKEN = "metrics-test-token"
STARTUP_SECONDS = 120  # two replicas importing everything at once on a busy 2-core machine
USERS_IN_BURST = 16
USERS_DUE = 40


@dataclass
class Deployment:
    world: BotWorld
    proxy: RoundRobinProxy
    proxy_url: str
    replicas: list[Child]
    replica_urls: list[str]
    database_url: str


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    name = f"mechta_replicas_{uuid.uuid4().hex[:10]}"
    await _postgres_admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)  # the one-shot migration of the compose file
        yield url
    finally:
        await _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def replica_env(*, port: int, database_url: str, telegram_url: str, webhook_url: str, redis_prefix: str,
                data_dir: Path) -> dict[str, str]:
    return {
        "ENV": "production",
        # Production needs a mail server; these tests send no mail, so nothing listens there.
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "9",
        "DATA_DIR": str(data_dir),
        "UPLOADS_DIR": str(data_dir / "uploads"),
        "LOG_FORMAT": "json",
        "DATABASE_URL": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "REDIS_PREFIX": redis_prefix,
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "JWT_SECRET_KEY": "replica-jwt-secret-" + "x" * 32,
        "BOT_SECRET_KEY": "replica-bot-secret",
        "TOKEN_ENCRYPTION_KEYS": "Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=",
        "BOT_TOKEN": "123456:REPLICAS",
        "TELEGRAM_API_URL": telegram_url,
        "BOT_WEBHOOK_URL": webhook_url,
        "BOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "BOT_WEBHOOK_CLAIM_LEASE_SECONDS": "3",
        "BOT_CHAT_LOCK_SECONDS": "5",
        "BOT_THROTTLE_SECONDS": "0",
        "METRICS_TOKEN": METRICS_TOKEN,
    }


async def wait_until_healthy(url: str, child: Child) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(STARTUP_SECONDS):
        while True:
            assert child.process.poll() is None, "\n".join(child.log_lines()[-30:])
            try:
                if (await client.get(url + "/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)


@pytest.fixture
async def deployment(postgres_url: str, tmp_path: Path) -> AsyncIterator[Deployment]:
    telegram_app = create_playground_app(tmp_path / "telegram")
    emulator = telegram_app.state.emulator
    balancer = RoundRobinProxy()
    replicas: list[Child] = []
    redis_prefix = f"mechta-replicas:{uuid.uuid4().hex[:8]}:"
    async with serve_asgi(telegram_app) as telegram_url, serve_asgi(balancer) as proxy_url:
        try:
            ports = [free_port(), free_port()]
            balancer.backends.extend(f"http://127.0.0.1:{port}" for port in ports)
            for index, port in enumerate(ports):
                env = replica_env(port=port, database_url=postgres_url, telegram_url=f"{telegram_url}/tg",
                                  webhook_url=proxy_url + WEBHOOK_PATH, redis_prefix=redis_prefix,
                                  data_dir=tmp_path / f"replica{index}")
                replicas.append(start_module("web", f"replica{index}", env, tmp_path))
            for url, child in zip(balancer.backends, replicas, strict=True):
                await wait_until_healthy(url, child)
            async with asyncio.timeout(STARTUP_SECONDS):
                while emulator.webhook_settings() is None:
                    await asyncio.sleep(0.1)
            world = BotWorld(emulator, telegram_url, container=None, bot=None)
            yield Deployment(world, balancer, proxy_url, replicas, list(balancer.backends), postgres_url)
        finally:
            for child in replicas:
                child.stop()
            await emulator.aclose()
            await balancer.aclose()
            await _forget_redis_keys(redis_prefix)


async def _forget_redis_keys(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(TEST_REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match=prefix + "*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


async def drained(world: BotWorld, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while world.emulator.pending_update_count():
            await asyncio.sleep(0.05)


def bot_messages(world: BotWorld, chat_id: int) -> list[dict]:
    return [view for view in world.emulator.messages(chat_id) if view["from"] == "bot"]


async def onboard(world: BotWorld, chat: int) -> dict:
    question = await world.say(chat, "/start", with_button(":language:"))
    await world.press(chat, question, ":language:en", with_text("🕒"))
    confirm = await world.say(chat, "Berlin", with_button(":tz_confirm:"))
    await world.press(chat, confirm, ":tz_confirm:yes", with_button(":morning_time:"))
    evening = await world.say(chat, "7.30", with_button(":evening_time:"))
    await world.press(chat, evening, ":evening_time:2200", with_button(":date_of_birth:"))
    return await world.say(chat, "31.12.1990", with_button("m:wheel"))


async def scrape(url: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as client:
        return await client.get(url + "/metrics", headers=headers)


def counter(page: str, line_start: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in page.splitlines() if line.startswith(line_start))


async def test_two_replicas_behind_a_proxy_serve_the_bot_once_per_update_and_survive_a_sigkill(
        deployment: Deployment) -> None:
    world, proxy = deployment.world, deployment.proxy

    # setWebhook came with the secret and the proxy's URL.
    webhook = world.emulator.webhook_settings()
    assert (webhook["url"], webhook["secret_token"]) == (deployment.proxy_url + WEBHOOK_PATH, WEBHOOK_SECRET)

    # A new user's whole onboarding, with consecutive updates landing on different replicas.
    first = len(proxy.log)
    done = await onboard(world, world.user("en", "Nadia"))
    await drained(world)
    assert "All set" in done["text"]
    deliveries = [entry for entry in proxy.log[first:] if entry.path == WEBHOOK_PATH]
    assert len(deliveries) >= 7 and all(entry.status == 200 for entry in deliveries)
    assert all(a.backend != b.backend for a, b in itertools.pairwise(deliveries))

    # A wrong secret is refused by whichever replica gets it.
    async with httpx.AsyncClient() as client:
        refused = await client.post(deployment.proxy_url + WEBHOOK_PATH, json={"update_id": 1},
                                    headers={SECRET_HEADER: "not-the-secret"})
    assert refused.status_code == 403

    # A duplicated update (Telegram delivering it again) is answered once.
    chat = world.user("en", "Dana")
    await world.say(chat, "/start", with_button(":language:"))
    await drained(world)
    answered = bot_messages(world, chat)
    [start_update] = [u for u in world.emulator.delivered_updates() if u.get("message", {}).get("chat", {}).get("id") == chat]
    world.emulator.redeliver(start_update["update_id"])
    await drained(world)
    assert bot_messages(world, chat) == answered

    # SIGKILL one replica in the middle of a burst: every update is still answered.
    chats = [world.user("en", f"Burst{index}") for index in range(USERS_IN_BURST)]
    for chat_id in chats[: USERS_IN_BURST // 2]:
        world.emulator.user_sends_text(chat_id, "/start")
    await world.reply(chats[0], with_button(":language:"), after_id=0)
    deployment.replicas[0].kill()
    for chat_id in chats[USERS_IN_BURST // 2:]:
        world.emulator.user_sends_text(chat_id, "/start")
    await drained(world, timeout=90)
    for chat_id in chats:
        assert any(with_button(":language:")(view) for view in bot_messages(world, chat_id)), chat_id
    assert any(entry.status == 502 for entry in proxy.log), "the dead replica was never tried"

    # The surviving replica's metrics: a token is required, and the counters moved.
    survivor = deployment.replica_urls[1]
    assert (await scrape(survivor, None)).status_code == 401
    page = (await scrape(survivor, METRICS_TOKEN)).text
    assert counter(page, 'mechta_webhook_updates_total{outcome="handled"}') > 0
    assert counter(page, "mechta_bot_updates_total{") > 0
    assert counter(page, 'mechta_http_requests_total{method="POST",route="/api/v1/telegram/webhook"') > 0
    assert counter(page, "mechta_bot_handler_seconds_count{") > 0
    # Every log line of both replicas (the killed one's file remains) is one JSON object; they tell of the
    # refused secret and of the dropped duplicate, with its update_id.
    logs = [json.loads(line) for child in deployment.replicas for line in child.log_lines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(record) for record in logs)
    assert any(record["message"] == "webhook call with a wrong secret token refused" for record in logs)
    assert any(record.get("update_id") == start_update["update_id"] and "duplicate dropped" in record["message"]
               for record in logs)


async def _insert_due_users(database_url: str, chat_ids: list[int]) -> None:
    """People whose morning time is the minute that has just begun (so the prompt is due now, not late)."""
    now = datetime.now(UTC)
    minute = (now - timedelta(seconds=1)).replace(second=0, microsecond=0)
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            session.add_all(User(id=uuid.uuid4(), telegram_id=chat_id, time_zone="UTC", locale="en",
                                 morning_time=minute.time(), evening_time=time(21, 0), quiet_weekdays=[],
                                 next_morning_at=minute, next_evening_at=now + timedelta(days=1))
                            for chat_id in chat_ids)
    finally:
        await engine.dispose()


async def _sent_log_rows(database_url: str, chat_ids: list[int]) -> list[tuple[int, str, str]]:
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(User.telegram_id, RitualPromptLog.kind, RitualPromptLog.status)
                .join(User, User.id == RitualPromptLog.user_id).where(User.telegram_id.in_(chat_ids)))
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


def _prompts_sent_by(child: Child) -> int:
    """What a scheduler's "tick: {...}" log lines say it sent."""
    total = 0
    for line in child.log_lines():
        record = json.loads(line) if line.startswith("{") else {}
        message = record.get("message", "")
        if message.startswith("tick: "):
            total += int(ast.literal_eval(message[len("tick: "):]).get("sent", 0))
    return total


async def test_two_schedulers_beside_two_replicas_send_each_due_prompt_exactly_once(
        deployment: Deployment, tmp_path: Path) -> None:
    world = deployment.world
    chat_ids = [world.user("en", f"Early{index}") for index in range(USERS_DUE)]
    schedulers: list[Child] = []
    try:
        for index in range(2):
            env = replica_env(port=free_port(), database_url=deployment.database_url,
                              telegram_url=world.base_url + "/tg", webhook_url=deployment.proxy_url + WEBHOOK_PATH,
                              redis_prefix=f"mechta-schedulers:{uuid.uuid4().hex[:8]}:",
                              data_dir=tmp_path / f"scheduler{index}")
            env.update({"SCHEDULER_TICK_SECONDS": "1", "SCHEDULER_BATCH_SIZE": "3"})
            schedulers.append(start_module("scheduler", f"scheduler{index}", env, tmp_path))
        async with asyncio.timeout(STARTUP_SECONDS):  # both ticking before the wave falls due
            while not all(any("scheduler started" in line for line in child.log_lines()) for child in schedulers):
                for child in schedulers:
                    assert child.process.poll() is None, "\n".join(child.log_lines()[-30:])
                await asyncio.sleep(0.2)
        await _insert_due_users(deployment.database_url, chat_ids)

        async with asyncio.timeout(90):
            while not all(bot_messages(world, chat_id) for chat_id in chat_ids):
                await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # a few more ticks of both: nothing is sent twice

        for chat_id in chat_ids:
            [prompt] = bot_messages(world, chat_id)
            assert "Good morning" in prompt["text"], prompt["text"]
        rows = await _sent_log_rows(deployment.database_url, chat_ids)
        assert sorted(rows) == sorted((chat_id, "morning", "sent") for chat_id in chat_ids)
        sent_by = [_prompts_sent_by(child) for child in schedulers]
        assert sum(sent_by) == USERS_DUE and all(sent_by), sent_by
    finally:
        for child in schedulers:
            child.stop()
