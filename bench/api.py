"""REST API benchmark on PostgreSQL + Redis: `GET /api/v1/me` and `POST /api/v1/life_wheel` against a bare FastAPI
hello / POST echo (bench/support/bare_api.py), each served by its own uvicorn process with the same command line and
driven by the same load tool: wrk -t1 -c32 when it is installed (`apt-get install wrk`), else an async httpx client
with 32 connections. Rounds are interleaved (bare, Mechta, bare, Mechta, ...) and the medians compared, so a busy
machine slows both sides alike. Then the RSS of both server processes.

Prints figures only (no assertions on time); with BENCH_RESULTS set, appends them for `make bench`'s table.
    python bench/api.py [--seconds 5] [--rounds 3]      QUICK=1: 2-second runs, one round
Environment: BENCH_POSTGRES_URL (an admin database, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/0).
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the `api` package.
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.support.results import record  # noqa: E402
from bench.support.scratch import drop_redis_prefix  # noqa: E402
from core.bootstrap import Container  # noqa: E402
from core.cache import MemoryCache  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db.migrate import upgrade_async  # noqa: E402
from core.db.models import User  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRETS = {"JWT_SECRET_KEY": "bench-" + "x" * 40, "BOT_SECRET_KEY": "bench",
           "TOKEN_ENCRYPTION_KEYS": "Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E="}
# Production refuses to start without a mail server; the bench never sends mail, so none needs to listen.
# One user sends thousands of requests a second: the general limit (still counted on every request) must not
# refuse them, or the figure would measure 429 answers.
SERVER_SETTINGS = {"SMTP_HOST": "127.0.0.1", "RATE_LIMIT_PER_MINUTE": "100000000"}
CONNECTIONS = 32
STARTUP_SECONDS = 120
WHEEL = {"scores": {"health": 7, "career": 5, "finance": 6, "relationships": 8, "friends": 9, "growth": 6,
                    "leisure": 4, "spirit": 7}, "note": "benchmark"}
GOALS = {"/me": 0.5, "POST life_wheel": 0.25}
MEMORY_GOAL_MIB = 100


@dataclass
class Run:
    rate: float       # requests per second
    p50_ms: float
    p99_ms: float
    errors: int       # non-2xx answers and socket errors
    cpu_ms: float = float("nan")  # the server process's CPU time per request (user + system)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def measured(load, pid: int, url: str, seconds: float, headers: dict[str, str], body: dict | None) -> Run:
    """One load run, with the server's CPU time per request: a figure a busy machine bends less than req/s."""
    before = cpu_seconds(pid)
    run = await load(url, seconds, headers, body)
    run.cpu_ms = (cpu_seconds(pid) - before) * 1000 / max(1.0, run.rate * max(1, round(seconds)))
    return run


def serve(target: str, port: int, env: dict[str, str], *, factory: bool = False,
          app_dir: Path | None = None) -> subprocess.Popen:
    """One uvicorn process; the same flags for the baseline and for Mechta."""
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]
    if factory:
        command.append("--factory")
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


async def wait_for(url: str, process: subprocess.Popen) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(STARTUP_SECONDS):
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                await client.get(url)
                return
            await asyncio.sleep(0.2)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


async def load_wrk(url: str, seconds: float, headers: dict[str, str], body: dict | None) -> Run:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if body is not None:
            script.write(f"wrk.method = \"POST\"\nwrk.body = {json.dumps(json.dumps(body))}\n"
                         "wrk.headers[\"Content-Type\"] = \"application/json\"\n")
        for name, value in headers.items():
            script.write(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}\n")
    try:
        process = await asyncio.create_subprocess_exec(
            "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", "-s", script.name, url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output = (await process.communicate())[0].decode()
    finally:
        os.unlink(script.name)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk said:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors
                                                           else 0)
    return Run(float(rate.group(1)), _wrk_ms(output, "50"), _wrk_ms(output, "99"), errors)


async def load_httpx(url: str, seconds: float, headers: dict[str, str], body: dict | None) -> Run:
    """The fallback load tool: CONNECTIONS workers over one pooled async client, for `seconds`."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = await (client.post(url, json=body, headers=headers) if body is not None
                                  else client.get(url, headers=headers))
                errors += response.status_code >= 300
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return Run(len(ordered) / elapsed, statistics.median(ordered) * 1000,
               ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, errors)


async def signed_in_user(database_url: str) -> str:
    """A user with a live session in the scratch database; returns its access token."""
    settings = Settings(_env_file=None, env="test", database_url=database_url, redis_url="",
                        **{name.lower(): value for name, value in SECRETS.items()})
    container = Container(settings, cache=MemoryCache())
    try:
        user = User(id=uuid.uuid4(), email="bench@example.com", email_verified_at=datetime.now(UTC),
                    first_name="Bench", locale="en", time_zone="Europe/Berlin")
        async with container.db.transaction() as session:
            session.add(user)
        return (await container.auth.start_session(user, user_agent="bench")).access_token
    finally:
        await container.close()


def _line(label: str, run: Run) -> str:
    return (f"{label}: {run.rate:,.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, "
            f"server CPU {run.cpu_ms:.2f} ms/req"
            + (f", ERRORS {run.errors}" if run.errors else ""))


def _median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.rate for r in runs), statistics.median(r.p50_ms for r in runs),
               statistics.median(r.p99_ms for r in runs), sum(r.errors for r in runs),
               statistics.median(r.cpu_ms for r in runs))


async def main(args: argparse.Namespace) -> None:
    load = load_wrk if shutil.which("wrk") else load_httpx
    tool = f"wrk -t1 -c{CONNECTIONS}" if load is load_wrk else f"httpx, {CONNECTIONS} connections (no wrk found)"
    name = f"mechta_bench_api_{uuid.uuid4().hex[:8]}"
    admin = make_url(ADMIN_URL)
    connect = {"user": admin.username or "postgres", "host": admin.host or "127.0.0.1", "port": admin.port or 5432,
               "database": admin.database or "postgres", "password": admin.password}
    conn = await asyncpg.connect(**connect)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    database_url = admin.set(database=name).render_as_string(hide_password=False)
    processes: list[subprocess.Popen] = []
    redis_prefix = f"mechta-bench:{uuid.uuid4().hex[:8]}:"
    try:
        await upgrade_async(database_url)
        token = await signed_in_user(database_url)
        auth = {"Authorization": f"Bearer {token}"}
        with tempfile.TemporaryDirectory() as scratch:
            env = {**os.environ, **SECRETS, **SERVER_SETTINGS, "ENV": "production", "DATA_DIR": scratch,
                   "UPLOADS_DIR": str(Path(scratch) / "uploads"), "DATABASE_URL": database_url,
                   "REDIS_URL": REDIS_URL, "REDIS_PREFIX": redis_prefix,
                   "LOG_LEVEL": "WARNING"}
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            bare_port, mechta_port = free_port(), free_port()
            bare = serve("bare_api:app", bare_port, env, app_dir=ROOT / "bench" / "support")
            mechta = serve("api.main:create_app", mechta_port, env, factory=True)
            processes = [bare, mechta]
            await wait_for(f"http://127.0.0.1:{bare_port}/hello", bare)
            await wait_for(f"http://127.0.0.1:{mechta_port}/health", mechta)
            print(f"PostgreSQL {name} + Redis; {tool}; {args.rounds} interleaved round(s) of {args.seconds:g} s; "
                  f"uvicorn, one process each")

            cases = [("/me", (f"http://127.0.0.1:{bare_port}/hello", {}, None),
                      (f"http://127.0.0.1:{mechta_port}/api/v1/me", auth, None)),
                     ("POST life_wheel", (f"http://127.0.0.1:{bare_port}/echo", {}, WHEEL),
                      (f"http://127.0.0.1:{mechta_port}/api/v1/life_wheel", auth, WHEEL))]
            # Warm-up: connections, caches, first-call imports on both sides.
            for _label, bare_case, mechta_case in cases:
                await load(bare_case[0], 1, bare_case[1], bare_case[2])
                await load(mechta_case[0], 1, mechta_case[1], mechta_case[2])
            for label, bare_case, mechta_case in cases:
                bare_runs: list[Run] = []
                mechta_runs: list[Run] = []
                for _ in range(args.rounds):
                    url, headers, body = bare_case
                    bare_runs.append(await measured(load, bare.pid, url, args.seconds, headers, body))
                    url, headers, body = mechta_case
                    mechta_runs.append(await measured(load, mechta.pid, url, args.seconds, headers, body))
                base, ours = _median(bare_runs), _median(mechta_runs)
                ratio = ours.rate / base.rate
                print(f"  {label}")
                print("    " + _line("bare FastAPI", base))
                print("    " + _line("Mechta      ", ours))
                print(f"    ratio {ratio:.3f} (goal ≥ {GOALS[label]})")
                if ours.errors:
                    print(f"    Mechta answered {ours.errors} requests with an error: the figure is not valid")
                record(f"REST {label} req/s (p50/p99 ms)",
                       bare=f"{base.rate:,.0f} ({base.p50_ms:.1f}/{base.p99_ms:.1f})",
                       mechta=f"{ours.rate:,.0f} ({ours.p50_ms:.1f}/{ours.p99_ms:.1f})",
                       ratio=f"{ratio:.3f}", goal=f"≥ {GOALS[label]}",
                       met=ratio >= GOALS[label] and ours.errors == 0)
            bare_rss, mechta_rss = rss_mib(bare.pid), rss_mib(mechta.pid)
            print(f"Memory after the runs: bare FastAPI {bare_rss:.0f} MiB, Mechta API {mechta_rss:.0f} MiB "
                  f"(goal ≤ {MEMORY_GOAL_MIB} MiB)")
            record("memory: API process after the run (MiB)", bare=f"{bare_rss:.0f}", mechta=f"{mechta_rss:.0f}",
                   goal=f"≤ {MEMORY_GOAL_MIB}", met=mechta_rss <= MEMORY_GOAL_MIB)
    finally:
        stop(processes)
        await drop_redis_prefix(REDIS_URL, redis_prefix)
        conn = await asyncpg.connect(**connect)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
        print(f"dropped {name}")


if __name__ == "__main__":
    quick = os.environ.get("QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2 if quick else 5)
    parser.add_argument("--rounds", type=int, default=1 if quick else 3)
    asyncio.run(main(parser.parse_args()))
