"""A Redis server of the test's own, on a free port, that the test may kill or freeze (the shared one at 6379 is
never touched)."""
from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tests.utils.processes import free_port

START_TIMEOUT_SECONDS = 10


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen
    paused: bool = False

    def kill(self) -> None:
        """Gone: connections are reset and new ones refused."""
        self.resume()
        self.process.kill()
        self.process.wait(10)

    def pause(self) -> None:
        """Hanging: SIGSTOP keeps the port open (the kernel still accepts connections) but nothing answers."""
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.paused and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        self.paused = False


def start_redis(workdir: Path) -> RedisServer:
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return RedisServer(f"redis://127.0.0.1:{port}/0", process)


@asynccontextmanager
async def redis_server(workdir: Path) -> AsyncIterator[RedisServer]:
    server = start_redis(workdir)
    try:
        await _until_answering(server.url)
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


async def _until_answering(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.2)
    try:
        async with asyncio.timeout(START_TIMEOUT_SECONDS):
            while True:
                with contextlib.suppress(OSError, RedisError):  # not listening yet
                    if await client.ping():
                        return
                await asyncio.sleep(0.05)
    finally:
        await client.aclose()


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    """A Redis server of this test only (import the fixture into the test module or conftest that needs it)."""
    async with redis_server(tmp_path / "redis") as server:
        yield server
