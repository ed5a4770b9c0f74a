"""`mechta` console script. `mechta run` starts the API, the bot and the scheduler as child processes."""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

PROCESSES = {"api": "api", "bot": "bot", "scheduler": "scheduler"}


async def _supervise(names: list[str]) -> int:
    children: dict[str, asyncio.subprocess.Process] = {}
    for name in names:
        children[name] = await asyncio.create_subprocess_exec(sys.executable, "-m", PROCESSES[name],
                                                              env=os.environ.copy())
        if name == "api":
            # The bot talks to the playground emulator served by the API; give it a moment to bind.
            await asyncio.sleep(1.5)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    waiters = {asyncio.ensure_future(proc.wait()): name for name, proc in children.items()}
    stopper = asyncio.ensure_future(stop.wait())
    exit_code = 0
    while waiters:
        done, _ = await asyncio.wait([*waiters, stopper], return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            break
        for fut in done:
            name = waiters.pop(fut)
            code = fut.result()
            if code != 0 or name == "api":
                print(f"mechta: {name} exited with code {code}; stopping the others", file=sys.stderr)
                exit_code = code or 1
                stop.set()
    for proc in children.values():
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for proc in children.values():
        try:
            await asyncio.wait_for(proc.wait(), timeout=10)
        except TimeoutError:
            proc.kill()
    return exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mechta", description="Mechta life-planning coach")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the API, the bot and the scheduler together")
    run.add_argument("--only", choices=sorted(PROCESSES), action="append", help="start only these parts")
    sub.add_parser("migrate", help="upgrade the database to the latest revision")
    args = parser.parse_args(argv)
    from core.db.migrate import main as migrate

    # Migrate once, before any child starts, so none of them sees a half-built schema.
    migrate()
    if args.command == "migrate":
        return 0
    return asyncio.run(_supervise(args.only or list(PROCESSES)))


if __name__ == "__main__":
    raise SystemExit(main())
