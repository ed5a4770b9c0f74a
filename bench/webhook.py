"""Webhook benchmark on PostgreSQL + Redis: updates/s through POST /api/v1/telegram/webhook on 1 and 2 web
replicas (separate `python -m web` processes), against aiogram's bare webhook echo (aiogram's own
SimpleRequestHandler, one process) in the same run; client-side p50/p99 latency of each delivery (the answer
comes after handling); then the RSS of one replica after DISTINCT chats passed through it.

Every bot, baseline and Mechta, talks to the same minimal fake Bot API in this process, which answers every
method at once, so the figures are the bots' own cost. Prints figures only (no assertions on time).
    python bench/webhook.py [--updates 600] [--chats 10000] [--concurrency 16]   QUICK=1: 200 updates, 1000 chats
Environment: BENCH_POSTGRES_URL (an admin database, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/0).
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the project's packages.
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402

from bench.support.results import record  # noqa: E402
from bench.support.scratch import drop_redis_prefix  # noqa: E402
from core.db.migrate import upgrade_async  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "424242:BENCH"
SECRET = "bench-secret"
WEBHOOK_PATH = "/api/v1/telegram/webhook"
STARTUP_SECONDS = 180

# aiogram's own webhook support with an echo handler: the floor any aiogram webhook bot stands on.
ECHO_SERVER = """
import sys
from aiohttp import web
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

api, port, secret, TOKEN, PATH = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
dispatcher = Dispatcher()

@dispatcher.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "?")

app = web.Application()
SimpleRequestHandler(dispatcher, bot, secret_token=secret, handle_in_background=False).register(app, path=PATH)
setup_application(app, dispatcher, bot=bot)
web.run_app(app, host="127.0.0.1", port=port, print=None)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def fake_bot_api(scope, receive, send) -> None:
    """Answers every Bot API method at once: sendMessage with a plausible Message, the rest with True."""
    if scope["type"] != "http":
        return
    request = Request(scope, receive)
    method = request.url.path.rsplit("/", 1)[-1].lower()
    form = await request.form() if request.method == "POST" else {}
    if method == "getme":
        result = {"id": 424242, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
    elif method in {"sendmessage", "editmessagetext"}:
        chat_id = int(form.get("chat_id", 1))
        result = {"message_id": 1, "date": int(time.time()), "text": str(form.get("text", "")),
                  "chat": {"id": chat_id, "type": "private"}}
    else:
        result = True
    await JSONResponse({"ok": True, "result": result})(scope, receive, send)


def update(update_id: int, chat_id: int, text: str) -> dict:
    person = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "en"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
               "from": person, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def drive(targets: list[str], updates: list[dict], concurrency: int) -> tuple[float, list[float], int]:
    """POST every update (round-robin over targets); returns (seconds, latencies, non-2xx count)."""
    latencies: list[float] = []
    failures = 0
    queue = iter(updates)
    turn = itertools.cycle(targets)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for body in queue:
            started = time.perf_counter()
            response = await client.post(next(turn), json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            latencies.append(time.perf_counter() - started)
            failures += response.status_code >= 300

    async with httpx.AsyncClient(timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, failures


def report(label: str, seconds: float, latencies: list[float], failures: int) -> float:
    rate = len(latencies) / seconds
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"  {label}: {len(latencies)} updates in {seconds:.1f} s = {rate:.0f} updates/s; "
          f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; non-2xx {failures}")
    return rate


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_for(url: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(STARTUP_SECONDS):
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                await client.get(url)
                return
            await asyncio.sleep(0.2)


def start_replica(port: int, api_url: str, database_url: str, prefix: str, data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "ENV": "production", "DATA_DIR": str(data_dir), "UPLOADS_DIR": str(data_dir / "uploads"),
           "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix, "LOG_LEVEL": "WARNING",
           "API_HOST": "127.0.0.1", "API_PORT": str(port), "JWT_SECRET_KEY": "bench-" + "x" * 40,
           "BOT_SECRET_KEY": "bench", "TOKEN_ENCRYPTION_KEYS": "Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=",
           "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url, "BOT_THROTTLE_SECONDS": "0",
           "BOT_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}", "BOT_WEBHOOK_SECRET": SECRET,
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": "9"}  # production needs a mail server; the bench sends no mail
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def start_echo(api_url: str, port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", ECHO_SERVER, api_url, str(port), SECRET, TOKEN, WEBHOOK_PATH],
                            cwd=ROOT)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


async def main(args: argparse.Namespace) -> None:
    name = f"mechta_bench_webhook_{uuid.uuid4().hex[:8]}"
    admin = make_url(ADMIN_URL)
    connect = {"user": admin.username or "postgres", "host": admin.host or "127.0.0.1", "port": admin.port or 5432,
               "database": admin.database or "postgres", "password": admin.password}
    conn = await asyncpg.connect(**connect)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    database_url = admin.set(database=name).render_as_string(hide_password=False)
    server = uvicorn.Server(uvicorn.Config(fake_bot_api, host="127.0.0.1", port=free_port(), log_level="warning",
                                           access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        await upgrade_async(database_url)
        while not server.started:
            await asyncio.sleep(0.01)
        api_url = f"http://127.0.0.1:{server.config.port}"
        command_updates = [update(index, 10_000 + index % 200, "/help") for index in range(1, args.updates + 1)]
        print(f"PostgreSQL {name} + Redis; {args.updates} '/help' updates from 200 chats, {args.concurrency} "
              "concurrent deliveries; fake Bot API answering at once")

        echo_port = free_port()
        echo = start_echo(api_url, echo_port)
        try:
            await wait_for(f"http://127.0.0.1:{echo_port}/", echo)
            baseline = report("aiogram bare webhook echo (1 process)",
                              *await drive([f"http://127.0.0.1:{echo_port}{WEBHOOK_PATH}"], command_updates,
                                           args.concurrency))
        finally:
            stop([echo])

        with tempfile.TemporaryDirectory() as scratch:
            prefix = f"mechta-bench:{uuid.uuid4().hex[:8]}:"
            ports = [free_port(), free_port()]
            replicas = [start_replica(port, api_url, database_url, prefix, Path(scratch) / str(port))
                        for port in ports]
            try:
                for port, process in zip(ports, replicas, strict=True):
                    await wait_for(f"http://127.0.0.1:{port}/health", process)
                targets = [f"http://127.0.0.1:{port}{WEBHOOK_PATH}" for port in ports]
                # Warm-up: the 200 chats exist before the timed runs (first contact creates the user).
                await drive(targets, [update(3_000_000 + index, 10_000 + index, "/help") for index in range(200)], 8)
                shifted = [{**body, "update_id": body["update_id"] + 1_000_000} for body in command_updates]
                one = report("Mechta, 1 replica", *await drive(targets[:1], command_updates, args.concurrency))
                two = report("Mechta, 2 replicas", *await drive(targets, shifted, args.concurrency))
                print(f"  ratio to the bare echo: 1 replica {one / baseline:.2f}, 2 replicas {two / baseline:.2f}; "
                      f"2 replicas / 1 replica {two / one:.2f}")
                record("webhook: '/help' updates/s, 1 replica", bare=f"{baseline:,.0f}", mechta=f"{one:,.0f}",
                       ratio=f"{one / baseline:.3f}")

                pid = replicas[0].pid
                print(f"Memory of one replica: RSS {rss_mib(pid):.0f} MiB after the runs above")
                distinct = [update(2_000_000 + index, 5_000_000 + index, "hello") for index in range(args.chats)]
                seconds, _, failures = await drive(targets[:1], distinct, args.concurrency)
                print(f"  {args.chats} distinct new chats through it in {seconds:.0f} s "
                      f"({args.chats / seconds:.0f} updates/s, non-2xx {failures}): RSS {rss_mib(pid):.0f} MiB")
                record(f"memory: web replica after {args.chats:,} new chats (MiB)", mechta=f"{rss_mib(pid):.0f}")
            finally:
                stop(replicas)
                await drop_redis_prefix(REDIS_URL, prefix)
    finally:
        server.should_exit = True
        await serving
        conn = await asyncpg.connect(**connect)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
        print(f"dropped {name}")


if __name__ == "__main__":
    quick = os.environ.get("QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200 if quick else 600)
    parser.add_argument("--chats", type=int, default=1_000 if quick else 10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(main(parser.parse_args()))
