"""Bot benchmark: updates/s and CPU ms per update through Mechta's real dispatcher (middlewares, routers, storage,
services) against bare aiogram echo dispatchers, in one run, on PostgreSQL + Redis and on SQLite; then memory.

Every bot talks to `CannedSession`: aiogram's own HTTP session with the network cut out. Each request is still
serialised exactly as aiogram sends it (the same form building and encoding), and each answer is a Telegram-shaped
JSON text parsed and validated by aiogram's `check_response`, so the figures are the bots' own cost.

The mix (one update per person per round, persons in parallel, at most --concurrency at once):
  text      plain text at the main menu → the fallback's menu         (bare: aiogram text echo)
  help      /help                                                      (bare: aiogram text echo)
  today     /today                                                     (bare: aiogram text echo)
  wheel     a life-wheel score press (edits the question to the next) (bare: aiogram callback echo and text echo)
Rounds are interleaved (bare, Mechta, bare, ...) and the medians printed. The bot's clock moves one second per
round, so each person sends at a human pace (the anti-flood limits stay switched on, as in production).
Updates are fed as raw JSON (`feed_raw_update`), as polling and the webhook do. Prints figures only.

Memory: this process ran both sides, and the bare echo imported aiogram eagerly before Mechta's bot package could
defer its types' validators, so its memory is neither side's. Each side runs the same mix again alone, in a process
of its own (bench/support/bot_memory.py), and reports its RSS; the import alone of each is shown beside.

    python bench/bot.py [--people 200] [--rounds 5] [--concurrency 32] [--backends postgres,sqlite]
Environment: BENCH_POSTGRES_URL (admin database, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres),
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
import gc  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.default import DefaultBotProperties  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.enums import ParseMode  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import CallbackQuery, Message  # noqa: E402

from bench.support.results import record  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TOKEN = "424242:BENCH"
BOT_USER = {"id": 424242, "is_bot": True, "first_name": "Mechta", "username": "mechta_bench_bot"}
FIRST_PERSON = 7_000_000
# Goals of issue #12 (ratio of Mechta's updates/s to the bare text echo's).
GOALS = {"text": 0.35, "help": 0.5, "today": 0.25, "wheel": 0.3}
SQLITE_MIX_GOAL = 0.2
MEMORY_GOAL_MIB = 200


class CannedSession(AiohttpSession):
    """aiogram's HTTP session minus the network: the request is built and encoded as aiohttp would post it, the
    answer is Telegram's JSON for that method, parsed by aiogram. Records what was sent, for the sanity checks."""

    def __init__(self) -> None:
        super().__init__()
        self.message_ids = itertools.count(1_000)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def make_request(self, bot: Bot, method: TelegramMethod, timeout: int | None = None) -> Any:
        form = self.build_form_data(bot=bot, method=method)
        form()  # encode the body, as posting it would
        fields = {name: value for options, _, value in form._fields for name in [options["name"]]}
        name = method.__api_method__
        self.sent.append((name, fields))
        raw = json.dumps({"ok": True, "result": self._result(name, fields)})
        return self.check_response(bot=bot, method=method, status_code=200, content=raw).result

    def _result(self, name: str, fields: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in {"sendMessage", "editMessageText", "sendPhoto", "editMessageReplyMarkup"}:
            chat_id = int(fields.get("chat_id", 0))
            message = {"message_id": int(fields.get("message_id") or next(self.message_ids)),
                       "date": int(time.time()), "chat": {"id": chat_id, "type": "private", "first_name": "P"},
                       "from": BOT_USER}
            if "text" in fields:
                message["text"] = fields["text"]
            if "reply_markup" in fields:
                message["reply_markup"] = json.loads(fields["reply_markup"])
            return message
        return True

    async def close(self) -> None:
        """Nothing to close: no connection was ever opened."""


def make_bot(session: CannedSession) -> Bot:
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def person(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Bench",
            "language_code": "ru" if chat_id % 2 else "en"}


STICKER = "<sticker>"


def text_update(update_id: int, chat_id: int, text: str) -> dict:
    message = {"message_id": update_id, "date": int(time.time()),
               "chat": {"id": chat_id, "type": "private", "first_name": "Bench"}, "from": person(chat_id)}
    if text == STICKER:
        message["sticker"] = {"file_id": "CAACAgIAAxk", "file_unique_id": "AgAD", "type": "regular", "width": 512,
                              "height": 512, "is_animated": False, "is_video": False}
    else:
        message["text"] = text
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def press_update(update_id: int, chat_id: int, data: str, shown_text: str) -> dict:
    shown = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
             "from": BOT_USER, "text": shown_text}
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": person(chat_id), "chat_instance": str(chat_id), "message": shown,
        "data": data}}


def bare_text_echo() -> Dispatcher:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    return dispatcher


def bare_callback_echo() -> Dispatcher:
    dispatcher = Dispatcher()

    @dispatcher.callback_query()
    async def echo(callback: CallbackQuery) -> None:
        await callback.answer()
        await callback.message.edit_text(f"pressed {callback.data}")

    return dispatcher


@dataclass
class Run:
    rate: float
    cpu_ms: float


@dataclass
class Figures:
    runs: dict[str, list[Run]] = field(default_factory=dict)

    def add(self, key: str, run: Run) -> None:
        self.runs.setdefault(key, []).append(run)

    def rate(self, key: str) -> float:
        return statistics.median(run.rate for run in self.runs[key])

    def cpu(self, key: str) -> float:
        return statistics.median(run.cpu_ms for run in self.runs[key])


async def drive(dispatcher: Dispatcher, bot: Bot, updates: list[dict], concurrency: int) -> Run:
    gate = asyncio.Semaphore(concurrency)

    async def one(update: dict) -> None:
        async with gate:
            await dispatcher.feed_raw_update(bot, update)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(update) for update in updates))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Run(len(updates) / wall, cpu * 1000 / len(updates))


class Mechta:
    """The real bot on one backend: container, dispatcher, persons who finished onboarding."""

    def __init__(self, backend: str, database_url: str, redis_url: str, scratch: Path, people: int) -> None:
        from core.bootstrap import Container
        from core.clock import FrozenClock
        from core.config import Settings

        self.backend = backend
        settings = Settings(
            _env_file=None, env="test", database_url=database_url, redis_url=redis_url,
            redis_prefix=f"mechta-bench:{uuid.uuid4().hex[:8]}:", data_dir=scratch / "data",
            uploads_dir=scratch / "uploads", jwt_secret_key="bench-" + "x" * 40, bot_secret_key="bench",
            token_encryption_keys="Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=", bot_token=TOKEN,
            openai_api_key="", google_client_id="", google_client_secret="", log_level="WARNING")
        self.clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
        self.container = Container(settings, clock=self.clock)
        self.session = CannedSession()
        self.bot = make_bot(self.session)
        self.chats = [FIRST_PERSON + index for index in range(people)]
        self.update_ids = itertools.count(1)
        self.dispatcher: Dispatcher | None = None

    async def start(self) -> None:
        from bot.dispatcher import create_dispatcher

        self.dispatcher = create_dispatcher(self.container)
        await self.bot.me()
        # Every person has met the bot before: the timed updates are a returning person's, as in daily use.
        for chat in self.chats:
            await self.dispatcher.feed_raw_update(self.bot, text_update(next(self.update_ids), chat, "/menu"))
        self.clock.advance(seconds=60)
        users = {}
        for chat in self.chats:
            user, _ = await self.container.users.resolve_telegram_user(_profile(chat))
            users[chat] = await self.container.users.mark_onboarded(user.id)
        self.users = users

    async def wheel_presses(self) -> list[dict]:
        """Every person at the first question of a fresh wheel (untimed); returns their score presses."""
        from aiogram.fsm.context import FSMContext
        from aiogram.fsm.storage.base import StorageKey

        from bot.keyboards.callbacks import WheelAction
        from bot.states import WheelArea, WheelDialog, WheelForm

        areas = await self.container.areas.active_areas()
        updates = []
        for chat in self.chats:
            dialog = WheelDialog(areas=[WheelArea(id=a.id, emoji=a.emoji, ru=a.title_ru, en=a.title_en,
                                                  description_ru=a.description_ru, description_en=a.description_en)
                                        for a in areas], last={})
            key = StorageKey(bot_id=self.bot.id, chat_id=chat, user_id=chat)
            await dialog.save(FSMContext(self.dispatcher.storage, key), WheelForm.scoring)
            data = WheelAction(nonce=dialog.nonce, step=0, action="score", value=7).pack()
            updates.append(press_update(next(self.update_ids), chat, data, "🎡 Life wheel · 1 of 8"))
        return updates

    async def back_at_menu(self) -> None:
        """Every person leaves the dialog (untimed), so the next round's text arrives at the menu."""
        from aiogram.fsm.storage.base import StorageKey

        for chat in self.chats:
            key = StorageKey(bot_id=self.bot.id, chat_id=chat, user_id=chat)
            await self.dispatcher.storage.set_state(key, None)
            await self.dispatcher.storage.set_data(key, {})

    def texts(self, text: str) -> list[dict]:
        return [text_update(next(self.update_ids), chat, text) for chat in self.chats]

    async def close(self) -> None:
        if self.dispatcher is not None:
            await self.dispatcher.storage.close()
        cache = self.container.cache
        if getattr(cache, "backend", "") == "redis":
            keys = [key async for key in cache.redis.scan_iter(match=self.container.settings.redis_prefix + "*")]
            if keys:
                await cache.redis.delete(*keys)
        await self.container.close()


def _profile(chat: int):
    from core.services.users import TelegramProfile

    return TelegramProfile(telegram_id=chat, first_name="Bench", language_code=person(chat)["language_code"])


# What each figure's reply must look like, so a fast wrong answer (an error, "not so fast") cannot pass for speed.
def _check(figure: str, sent: list[tuple[str, dict[str, Any]]], people: int) -> None:
    replies = [fields for name, fields in sent if name in {"sendMessage", "editMessageText"}]
    markers = {"text": "m:wheel", "help": "/wheel_history", "today": "📋", "wheel": "wa:"}
    wrong = [fields for fields in replies
             if markers[figure] not in fields.get("text", "") + fields.get("reply_markup", "")]
    if len(replies) != people or wrong:
        sample = (wrong or replies or [{}])[0]
        raise SystemExit(f"{figure}: {len(replies)} replies for {people} updates, {len(wrong)} unexpected, "
                         f"e.g. {str(sample)[:300]}")
    if figure == "wheel":
        answered = sum(1 for name, _ in sent if name == "answerCallbackQuery")
        if answered != people:
            raise SystemExit(f"wheel: {answered} presses answered of {people}")


# The mix, in the order of each round: (figure, what the person sends; None: a wheel score press).
FIGURES = (("text", STICKER), ("help", "/help"), ("today", "/today"), ("wheel", None))


class Bare:
    """The bare aiogram echoes with their own persons and update ids."""

    def __init__(self, people: int) -> None:
        self.bot = make_bot(CannedSession())
        self.text_echo, self.callback_echo = bare_text_echo(), bare_callback_echo()
        self.ids = itertools.count(10_000_000)
        self.chats = [FIRST_PERSON + index for index in range(people)]

    async def start(self) -> None:
        await self.bot.me()

    async def drive(self, figure: str, text: str | None, concurrency: int) -> tuple[Run, Run | None]:
        """The figure's echo run, and for the wheel the callback echo's run too."""
        updates = [text_update(next(self.ids), chat, text or "7") for chat in self.chats]
        run = await drive(self.text_echo, self.bot, updates, concurrency)
        if figure != "wheel":
            return run, None
        presses = [press_update(next(self.ids), chat, "wa:x:0:score:7", "question") for chat in self.chats]
        return run, await drive(self.callback_echo, self.bot, presses, concurrency)


async def drive_mechta(mechta: Mechta, figure: str, text: str | None, concurrency: int) -> Run:
    """One figure's updates, one per person, through Mechta's dispatcher; the replies are checked."""
    updates = await mechta.wheel_presses() if figure == "wheel" else mechta.texts(text)
    mechta.clock.advance(seconds=1)
    mechta.session.sent.clear()
    run = await drive(mechta.dispatcher, mechta.bot, updates, concurrency)
    _check(figure, mechta.session.sent, len(mechta.chats))
    if figure == "wheel":
        await mechta.back_at_menu()
    return run


async def bench_backend(backend: str, database_url: str, redis_url: str, args: argparse.Namespace,
                        scratch: Path) -> Figures:
    from bot.runtime import freeze_startup_heap

    figures = Figures()
    mechta = Mechta(backend, database_url, redis_url, scratch, args.people)
    bare = Bare(args.people)
    try:
        await mechta.start()
        await bare.start()
        freeze_startup_heap()  # as `python -m bot` does once it has started
        for round_number in range(args.rounds + 1):  # round 0 warms up (imports, caches, prepared statements)
            for figure, text in FIGURES:
                bare_run, bare_press = await bare.drive(figure, text, args.concurrency)
                run = await drive_mechta(mechta, figure, text, args.concurrency)
                if round_number:
                    figures.add(f"bare:{figure}", bare_run)
                    figures.add(figure, run)
                    if bare_press is not None:
                        figures.add("bare:callback", bare_press)
    finally:
        await mechta.close()
        gc.unfreeze()  # this backend's bot is gone: its objects may be collected again
    return figures


def print_table(backend: str, figures: Figures) -> list[str]:
    missed = []
    title = "PostgreSQL + Redis" if backend == "postgres" else "SQLite (no Redis)"
    print(f"\n{title}: median of the rounds (updates/s, CPU ms per update); 'CPU ratio' is bare CPU / Mechta CPU, "
          "the ratio a machine with idle cores would show")
    print(f"  {'figure':<34}{'bare aiogram':>22}{'Mechta':>22}{'ratio':>8}{'goal':>8}{'CPU ratio':>11}")
    names = {"text": "a sticker at the menu → fallback", "help": "/help", "today": "/today",
             "wheel": "a life-wheel score press"}
    for figure, label in names.items():
        bare, ours = figures.rate(f"bare:{figure}"), figures.rate(figure)
        ratio = ours / bare
        goal = GOALS[figure] if backend == "postgres" else SQLITE_MIX_GOAL
        bare_text = f"{bare:,.0f} ({figures.cpu(f'bare:{figure}'):.2f} ms)"
        ours_text = f"{ours:,.0f} ({figures.cpu(figure):.2f} ms)"
        cpu_ratio = figures.cpu(f"bare:{figure}") / figures.cpu(figure)
        print(f"  {label:<34}{bare_text:>22}{ours_text:>22}{ratio:>8.3f}{'≥ ' + str(goal):>8}{cpu_ratio:>11.3f}")
        record(f"bot ({'SQLite' if backend == 'sqlite' else 'PostgreSQL'}): {label} upd/s (CPU ms)", bare=bare_text,
               mechta=ours_text, ratio=f"{ratio:.3f}", goal=f"≥ {goal}", met=ratio >= goal)
        if ratio < goal:
            missed.append(f"{backend} {figure}: {ratio:.3f} < {goal}")
    callback = figures.rate("bare:callback")
    callback_text = f"{callback:,.0f} ({figures.cpu('bare:callback'):.2f} ms)"
    callback_cpu_ratio = figures.cpu("bare:callback") / figures.cpu("wheel")
    print(f"  {'  the press vs aiogram callback echo':<34}{callback_text:>22}{'':>22}"
          f"{figures.rate('wheel') / callback:>8.3f}{'':>8}{callback_cpu_ratio:>11.3f}")
    mix_bare = statistics.harmonic_mean([figures.rate(f"bare:{f}") for f in names])
    mix_ours = statistics.harmonic_mean([figures.rate(f) for f in names])
    print(f"  {'the mix (harmonic mean)':<34}{mix_bare:>22,.0f}{mix_ours:>22,.0f}{mix_ours / mix_bare:>8.3f}")
    return missed


def rss_of_import(code: str) -> float:
    probe = (f"{code}\nfrom pathlib import Path\n"
             "print([int(l.split()[1]) for l in Path('/proc/self/status').read_text().splitlines()"
             " if l.startswith('VmRSS:')][0] / 1024)")
    output = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(output.stdout.strip().splitlines()[-1])


async def rss_of_side(side: str, args: argparse.Namespace, database_url: str = "", redis_url: str = "") -> float:
    """RSS after one side alone has run the mix, in a process of its own (bench/support/bot_memory.py)."""
    command = [sys.executable, "-m", "bench.support.bot_memory", "--side", side, "--people", str(args.people),
               "--rounds", str(args.rounds), "--concurrency", str(args.concurrency),
               "--backend", args.backends.split(",")[0], "--database-url", database_url, "--redis-url", redis_url]
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    output, _ = await process.communicate()
    if process.returncode:
        raise SystemExit(f"the {side} memory run failed (exit {process.returncode})")
    return json.loads(output.decode().strip().splitlines()[-1])["rss_mib"]


async def postgres_database() -> tuple[str, Callable[[], Awaitable[None]]]:
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"mechta_bench_bot_{uuid.uuid4().hex[:8]}"
    admin = make_url(ADMIN_URL)
    connect = {"user": admin.username or "postgres", "host": admin.host or "127.0.0.1", "port": admin.port or 5432,
               "database": admin.database or "postgres", "password": admin.password}
    conn = await asyncpg.connect(**connect)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(**connect)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    return admin.set(database=name).render_as_string(hide_password=False), drop


@contextlib.asynccontextmanager
async def backend_database(backend: str, scratch: Path) -> AsyncIterator[tuple[str, str]]:
    """A fresh, migrated database of the backend (dropped afterwards) and the Redis URL to use with it."""
    # In a child process, as `python -m bot` migrates: Alembic, Mako and Pygments would otherwise stay in this
    # process and count in its memory figure, though the bot process never loads them.
    from core.db.migrate import upgrade_in_subprocess

    if backend == "postgres":
        database_url, drop = await postgres_database()
        redis_url = REDIS_URL
    else:
        database_url, redis_url = f"sqlite+aiosqlite:///{scratch}/bench-{uuid.uuid4().hex[:8]}.db", ""

        async def drop() -> None:
            return None
    try:
        await upgrade_in_subprocess(database_url)
        yield database_url, redis_url
    finally:
        await drop()


async def main(args: argparse.Namespace) -> None:
    print(f"{args.people} persons, {args.rounds} rounds (+1 warm-up), {args.concurrency} updates at once; "
          "no-network Bot API session (aiogram's serialisation and parsing)")
    missed: list[str] = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as scratch:
            async with backend_database(backend, Path(scratch)) as (database_url, redis_url):
                figures = await bench_backend(backend, database_url, redis_url, args, Path(scratch))
        missed += print_table(backend, figures)

    # Each side alone in a fresh process: this one ran both, and the bare echo's eager aiogram import came first.
    memory_backend = args.backends.split(",")[0]
    with tempfile.TemporaryDirectory() as scratch:
        async with backend_database(memory_backend, Path(scratch)) as (database_url, redis_url):
            mechta_run = await rss_of_side("mechta", args, database_url, redis_url)
    bare_run = await rss_of_side("bare", args)
    bare_import = rss_of_import("import aiogram, aiogram.fsm.storage.redis")
    mechta_import = rss_of_import("import bot.__main__")
    print(f"\nmemory (RSS), each side alone in a process of its own after the mix ({memory_backend}): Mechta bot "
          f"{mechta_run:.0f} MiB, bare aiogram echo {bare_run:.0f} MiB (goal ≤ {MEMORY_GOAL_MIB} MiB); "
          f"import alone: Mechta bot {mechta_import:.0f} MiB, bare aiogram {bare_import:.0f} MiB")
    record("memory: bot process after the run (MiB)", bare=f"{bare_run:.0f}", mechta=f"{mechta_run:.0f}",
           goal=f"≤ {MEMORY_GOAL_MIB}", met=mechta_run <= MEMORY_GOAL_MIB)
    if mechta_run > MEMORY_GOAL_MIB:
        missed.append(f"memory after the run {mechta_run:.0f} MiB > {MEMORY_GOAL_MIB}")
    print("goals: all met" if not missed else "goals not met: " + "; ".join(missed))


if __name__ == "__main__":
    quick = os.environ.get("QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2 if quick else 5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--backends", default="postgres,sqlite")
    asyncio.run(main(parser.parse_args()))
