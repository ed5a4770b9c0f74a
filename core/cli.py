"""`mechta` console script. `mechta run` starts the web process (API; in webhook mode also the bot's webhook),
the bot poller (unless in webhook mode) and the scheduler as child processes."""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys

from core.config import Settings, get_settings, startup_settings
from core.metrics import MULTIPROC_ENV, process_exited

PROCESSES = {"web": "web", "bot": "bot", "scheduler": "scheduler"}


def parts_to_start(settings: Settings, only: list[str] | None) -> list[str]:
    """In webhook mode the web replicas receive the updates: a poller would fight the webhook, so none starts."""
    names = only or list(PROCESSES)
    if settings.webhook_enabled and "bot" in names:
        print("mechta: BOT_WEBHOOK_URL is set, so the web process serves the bot; no poller starts",
              file=sys.stderr)
        names = [name for name in names if name != "bot"]
    return names


def _metrics_env(settings: Settings) -> dict[str, str]:
    """One metrics directory shared by the children, emptied at start, so /metrics adds up all of them."""
    env = os.environ.copy()
    if MULTIPROC_ENV not in env:
        directory = settings.data_dir / "metrics"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True, exist_ok=True)
        env[MULTIPROC_ENV] = str(directory.resolve())
    return env


async def _supervise(names: list[str], env: dict[str, str]) -> int:
    children: dict[str, asyncio.subprocess.Process] = {}
    for name in names:
        children[name] = await asyncio.create_subprocess_exec(sys.executable, "-m", PROCESSES[name], env=env)
        if name == "web":
            # The bot talks to the playground emulator served by the web process; give it a moment to bind.
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
            process_exited(children[name].pid, env.get(MULTIPROC_ENV))
            if code != 0 or name == "web":
                print(f"mechta: {name} exited with code {code}; stopping the others", file=sys.stderr)
                exit_code = code or 1
                stop.set()
    for proc in children.values():
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for proc in children.values():
        try:
            await asyncio.wait_for(proc.wait(), timeout=30)
        except TimeoutError:
            proc.kill()
    return exit_code


async def _probe(part: str) -> int:
    from core.bootstrap import build_container

    container = build_container(get_settings())
    try:
        components = {component.name: component for component in await container.health.check()}
    finally:
        await container.close()
    status = components[part].status
    print(f"{part}: {status} {components[part].detail}".rstrip())
    return 0 if status == "ok" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mechta", description="Mechta life-planning coach")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the web process, the bot poller and the scheduler together")
    run.add_argument("--only", choices=sorted(PROCESSES), action="append", help="start only these parts")
    sub.add_parser("migrate", help="upgrade the database to the latest revision")
    probe = sub.add_parser("probe", help="exit 0 if a background part beat recently (container healthchecks)")
    probe.add_argument("part", choices=["bot", "scheduler"])
    args = parser.parse_args(argv)
    if args.command == "probe":
        return asyncio.run(_probe(args.part))
    settings = startup_settings()
    from core.db.migrate import main as migrate

    # Migrate once, before any child starts, so none of them sees a half-built schema.
    migrate()
    if args.command == "migrate":
        return 0
    return asyncio.run(_supervise(parts_to_start(settings, args.only), _metrics_env(settings)))


if __name__ == "__main__":
    raise SystemExit(main())
