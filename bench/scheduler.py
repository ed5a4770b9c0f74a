"""Scheduler benchmark on PostgreSQL: claiming 100 000 prompts due in the same minute, and sending against the Bot
API emulator limited to 30 messages per second.

Prints figures only (no assertions on time); with BENCH_RESULTS set, appends them for `make bench`'s table.
Creates a scratch database and drops it at the end.
    python bench/scheduler.py [--users 100000] [--messages 300]      QUICK=1: 20 000 users, 100 messages
Environment: BENCH_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres, an admin database),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/0; empty = skip the shared-limiter run).
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the `scheduler` package.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import asyncpg  # noqa: E402
import uvicorn  # noqa: E402
from aiogram import Bot  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from sqlalchemy import JSON, delete, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.support.results import record  # noqa: E402
from core.bootstrap import Container  # noqa: E402
from core.cache import MemoryCache, RedisCache  # noqa: E402
from core.clock import FrozenClock  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db.migrate import upgrade_async  # noqa: E402
from core.db.models import RitualPromptLog, User  # noqa: E402
from core.services.prompts_delivery import DeliveryReport, recompute_next_runs  # noqa: E402
from playground import BotApiError, create_playground_app  # noqa: E402
from scheduler.app import freeze_startup_heap  # noqa: E402
from scheduler.rate_limit import create_send_rate_limiter  # noqa: E402
from scheduler.telegram_sender import TelegramPromptSender  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
EMULATOR_RATE = 30
# Users spread over zones on both sides of the date line; each one's ritual time is the same UTC minute locally.
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12",
         "Australia/Adelaide", "America/Sao_Paulo", "Asia/Kathmandu", "Europe/Moscow", "UTC")
DUE_AT = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)
CLAIM_GOAL = 15_000
SEND_RATIO_GOAL = 0.9


async def _bench_prompt(user: User, kind: str, local_date) -> tuple[str, None]:
    """A fixed text: the send figures measure claiming and pacing, not the bot's rendering."""
    return f"{kind} prompt for {local_date}", None


async def _admin(sql: str, *args) -> list:
    url = make_url(ADMIN_URL)
    conn = await asyncpg.connect(user=url.username or "postgres", password=url.password, host=url.host,
                                 port=url.port or 5432, database=url.database or "postgres")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _server_cpu(database: str) -> dict[int, float] | None:
    """CPU seconds so far of each PostgreSQL backend serving `database`, read from /proc when the server runs on
    this machine (None when it does not): the database's side of a claim, apart from the machine's other load."""
    pids = [row["pid"] for row in await _admin("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)]
    seconds = {pid: _process_cpu(pid) for pid in pids}
    return None if None in seconds.values() else seconds


def _process_cpu(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _settings(database_url: str, **overrides) -> Settings:
    values = {"redis_url": "", "bot_token": "bench:token", "jwt_secret_key": "bench-" + "x" * 40,
              "bot_secret_key": "bench", "token_encryption_keys": "Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E="}
    return Settings(_env_file=None, env="test", database_url=database_url, **{**values, **overrides})


def _user_row(index: int, telegram_id: int) -> dict:
    zone = ZONES[index % len(ZONES)]
    user = User(id=uuid.uuid4(), telegram_id=telegram_id, time_zone=zone, locale="en", quiet_weekdays=[],
                morning_time=DUE_AT.astimezone(ZoneInfo(zone)).time(), evening_time=(DUE_AT + timedelta(
                    hours=12)).astimezone(ZoneInfo(zone)).time())
    recompute_next_runs(user, DUE_AT - timedelta(minutes=1))
    return {column.key: getattr(user, column.key) for column in User.__table__.columns
            if getattr(user, column.key) is not None}


def _copy_value(column, row: dict):
    # Only columns the row lacks fall back to the model's default (a column in the row may have none).
    value = row.get(column.key, column.default.arg if column.default is not None else None)
    if callable(value):
        value = value(None)
    return json.dumps(value) if isinstance(column.type, JSON) else value


async def copy_users(container: Container, rows: list[dict]) -> None:
    """COPY the rows into users (asyncpg), filling the model's Python-side defaults for missing columns."""
    columns = [c for c in User.__table__.columns if c.key in rows[0] or c.default is not None]
    records = [tuple(_copy_value(column, row) for column in columns) for row in rows]
    async with container.db.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        await raw.copy_records_to_table("users", records=records, columns=[c.name for c in columns])


async def reset_due(container: Container) -> None:
    async with container.db.transaction() as session:
        await session.execute(delete(RitualPromptLog))
        await session.execute(update(User).values(next_morning_at=DUE_AT))


async def _log_counts(container: Container) -> tuple[int, int]:
    """Rows in the send log, and how many (user, kind, local date) appear more than once (must be 0)."""
    async with container.db.read() as session:
        rows = (await session.execute(text("SELECT count(*) FROM ritual_prompt_log"))).scalar_one()
        duplicated = (await session.execute(text(
            "SELECT count(*) FROM (SELECT 1 FROM ritual_prompt_log GROUP BY user_id, kind, local_date "
            "HAVING count(*) > 1) AS twice"))).scalar_one()
    return rows, duplicated


async def claim_all(containers: list[Container], database: str) -> tuple[int, float, float, float | None]:
    """(users claimed, seconds, CPU seconds of this process: the schedulers' own work, without PostgreSQL's, and
    CPU seconds of the PostgreSQL backends serving them, when measurable)."""
    async def drain(container: Container) -> int:
        claimed = 0
        while True:
            deliveries, processed = await container.prompt_delivery.claim_batch(DeliveryReport())
            claimed += len(deliveries)
            if not processed:
                return claimed
    server_before = await _server_cpu(database)
    started, cpu = time.perf_counter(), time.process_time()
    counts = await asyncio.gather(*(drain(container) for container in containers))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_after = await _server_cpu(database)  # before the containers close: their backends are still there
    server = None if server_before is None or server_after is None else sum(
        spent - server_before.get(pid, 0.0) for pid, spent in server_after.items())
    return sum(counts), elapsed, cpu, server


@contextlib.asynccontextmanager
async def serve(app):
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                          lifespan="off"))
    server.capture_signals = contextlib.nullcontext
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def send_run(database_url: str, messages: int, schedulers: int, redis_url: str,
                   label: str) -> tuple[float, int]:
    """`messages` users due now, delivered by `schedulers` processes-alike (own Container each) to the emulator."""
    with tempfile.TemporaryDirectory() as state_dir:
        app = create_playground_app(Path(state_dir), rate_limit_per_second=EMULATOR_RATE)
        emulator = app.state.emulator
        rejected = {"429": 0}
        check = emulator.check_rate_limit

        def counting_check() -> None:
            try:
                check()
            except BotApiError as error:
                rejected["429"] += error.status == 429
                raise

        emulator.check_rate_limit = counting_check
        clock = FrozenClock(DUE_AT + timedelta(seconds=5))
        prefix = f"mechta-bench:{uuid.uuid4().hex[:8]}:"
        containers = [Container(_settings(database_url, redis_url=redis_url, redis_prefix=prefix,
                                          scheduler_batch_size=100), clock=clock) for _ in range(schedulers)]
        setup = containers[0]
        async with setup.db.transaction() as session:
            await session.execute(delete(RitualPromptLog))
            await session.execute(delete(User))
        chats = [emulator.create_user(f"Bench {index}", "en")["id"] for index in range(messages)]
        await copy_users(setup, [_user_row(index, chat) for index, chat in enumerate(chats)])
        async with serve(app) as base_url:
            bots = [Bot(token="4242:bench", session=AiohttpSession(api=TelegramAPIServer.from_base(f"{base_url}/tg")))
                    for _ in containers]
            senders = [TelegramPromptSender(bot, _bench_prompt, limiter=create_send_rate_limiter(
                container.cache, container.settings.telegram_send_rate))
                       for bot, container in zip(bots, containers, strict=True)]
            started = time.perf_counter()
            reports = await asyncio.gather(*(container.prompt_delivery.deliver_due(sender)
                                             for container, sender in zip(containers, senders, strict=True)))
            elapsed = time.perf_counter() - started
            for bot in bots:
                await bot.session.close()
        received = [len(emulator.messages(chat)) for chat in chats]
        delivered = sum(received)
        duplicates = sum(max(0, count - 1) for count in received)
        for container in containers:
            if isinstance(container.cache, RedisCache):
                await container.cache.delete("telegram:send-slot")
            await container.close()
    rate = delivered / elapsed
    send_rate = setup.settings.telegram_send_rate
    limiter = "Redis (shared)" if redis_url else "in-process (aiolimiter)"
    print(f"  {label}: {schedulers} scheduler(s), {limiter} limiter at {setup.settings.telegram_send_rate:g} msg/s")
    print(f"    delivered {delivered}/{messages} in {elapsed:.1f} s = {rate:.1f} msg/s, "
          f"{rate / send_rate:.2f} of the {send_rate:g} msg/s send limit (the emulator refuses above "
          f"{EMULATOR_RATE}); 429 responses: {rejected['429']}; duplicates: {duplicates}; "
          f"sent per report: {[r.sent for r in reports]}, retried: {sum(r.retried for r in reports)}")
    return rate / send_rate, duplicates


async def main(users: int, messages: int) -> None:
    name = f"mechta_bench_{os.getpid()}"
    await _admin(f'CREATE DATABASE "{name}"')
    database_url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(database_url)
        clock = FrozenClock(DUE_AT + timedelta(seconds=5))
        base = Container(_settings(database_url), clock=clock, cache=MemoryCache())
        started = time.perf_counter()
        await copy_users(base, [_user_row(index, 10_000_000 + index) for index in range(users)])
        print(f"PostgreSQL scratch database {name}: {users} users due at {DUE_AT:%H:%M} UTC in {len(ZONES)} zones "
              f"(COPY in {time.perf_counter() - started:.1f} s)")

        print("Claim and advance (log row inserted, next_morning_at moved to tomorrow; no sending):")
        freeze_startup_heap()  # as `python -m scheduler` does once it has started
        best = 0.0
        for batch, parallel in ((200, 1), (1000, 1), (1000, 2)):
            await reset_due(base)
            containers = [Container(_settings(database_url, scheduler_batch_size=batch), clock=clock,
                                    cache=MemoryCache()) for _ in range(parallel)]
            claimed, elapsed, cpu, server = await claim_all(containers, name)
            for container in containers:
                await container.close()
            logged, duplicated = await _log_counts(base)
            server_share = "" if server is None else f", {server / max(claimed, 1) * 1e6:.0f} µs of PostgreSQL's"
            print(f"  batch {batch:>4}, {parallel} scheduler(s): {claimed} claimed in {elapsed:.1f} s = "
                  f"{claimed / elapsed:,.0f} users/s ({cpu / max(claimed, 1) * 1e6:.0f} µs of scheduler CPU a user"
                  f"{server_share}); log rows {logged}, duplicate (user, kind, day) rows {duplicated}")
            if claimed != users or duplicated:
                print(f"  WRONG: {users} users were due, {claimed} claimed, {duplicated} duplicates")
            else:
                best = max(best, claimed / elapsed)
        await base.close()
        record(f"scheduler claim-and-advance, {users:,} users due (users/s)", mechta=f"{best:,.0f}",
               goal=f"≥ {CLAIM_GOAL:,}", met=best >= CLAIM_GOAL)

        print(f"Sending {messages} prompts through aiogram to the emulator limited to {EMULATOR_RATE} msg/s:")
        runs = [await send_run(database_url, messages, 1, "", "in-process")]
        if REDIS_URL:
            runs.append(await send_run(database_url, messages, 2, REDIS_URL, "shared"))
        ratio = min(r for r, _ in runs)
        duplicates = sum(d for _, d in runs)
        record("scheduler send: ratio of the 25 msg/s limit, duplicates", mechta=f"{ratio:.2f}, {duplicates} dup",
               goal=f"≥ {SEND_RATIO_GOAL}, 0 dup", met=ratio >= SEND_RATIO_GOAL and duplicates == 0)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("QUICK") == "1"
    parser.add_argument("--users", type=int, default=20_000 if quick else 100_000)
    parser.add_argument("--messages", type=int, default=100 if quick else 300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.users, arguments.messages))
