"""One side of the bot bench alone in a fresh process, then its memory (RSS), as one JSON line on stdout.

The bot bench runs both sides in one process, and the bare echo imports aiogram eagerly (every Telegram type's
validator built at import) before Mechta's bot package could defer them (bot/lazy_types.py): that process's memory
is neither side's. Here `--side mechta` imports the bot package first, as `python -m bot` does, builds the real
dispatcher and feeds it the bench's mix; `--side bare` feeds the bare aiogram echoes the same number of updates.

    python -m bench.support.bot_memory --side mechta --database-url URL [--redis-url URL] [--people 200] [--rounds 2]
(run by bench/bot.py, which creates and migrates the database and drops it afterwards)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def mechta_side(args: argparse.Namespace) -> None:
    import bot  # noqa: F401  (before anything imports aiogram, as in `python -m bot`)
    from bench.bot import FIGURES, Mechta, drive_mechta
    from bot.runtime import freeze_startup_heap

    with tempfile.TemporaryDirectory() as scratch:
        mechta = Mechta(args.backend, args.database_url, args.redis_url, Path(scratch), args.people)
        try:
            await mechta.start()
            freeze_startup_heap()  # as `python -m bot` does once it has started
            for _ in range(args.rounds + 1):
                for figure, text in FIGURES:
                    await drive_mechta(mechta, figure, text, args.concurrency)
            print(json.dumps({"rss_mib": rss_mib()}))
        finally:
            await mechta.close()


async def bare_side(args: argparse.Namespace) -> None:
    from bench.bot import FIGURES, Bare

    bare = Bare(args.people)
    await bare.start()
    for _ in range(args.rounds + 1):
        for figure, text in FIGURES:
            await bare.drive(figure, text, args.concurrency)
    print(json.dumps({"rss_mib": rss_mib()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=("mechta", "bare"), required=True)
    parser.add_argument("--backend", default="postgres")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(mechta_side(args) if args.side == "mechta" else bare_side(args))


if __name__ == "__main__":
    main()
