"""Slow bot work runs after the update is answered, once per chat and name at a time, and is drained at stop."""
from __future__ import annotations

import asyncio

from bot.slow_work import SlowWork
from core.cache import MemoryCache
from core.cli import parts_to_start
from core.config import Settings


async def test_slow_work_runs_in_the_background_and_refuses_a_second_start_meanwhile() -> None:
    work = SlowWork(MemoryCache())
    release = asyncio.Event()
    finished: list[str] = []

    async def job() -> None:
        await release.wait()
        finished.append("analysis")

    assert await work.start(42, "wants_analysis", job) is True
    assert await work.start(42, "wants_analysis", job) is False
    assert await work.start(43, "wants_analysis", job) is True
    assert await work.is_running(42, "wants_analysis")

    release.set()
    await work.drain(timeout=5)

    assert finished == ["analysis", "analysis"]
    assert not await work.is_running(42, "wants_analysis")
    assert await work.start(42, "wants_analysis", job) is True
    await work.drain(timeout=5)


async def test_a_failing_job_frees_its_chat_and_drain_cancels_what_overruns() -> None:
    work = SlowWork(MemoryCache())

    async def broken() -> None:
        raise RuntimeError("chart renderer crashed")

    async def endless() -> None:
        await asyncio.Event().wait()

    await work.start(1, "chart", broken)
    await work.start(2, "story", endless)
    await work.drain(timeout=0.2)

    assert not await work.is_running(1, "chart")
    assert not await work.is_running(2, "story")


def test_webhook_mode_starts_no_poller() -> None:
    polling = Settings(_env_file=None)
    webhook = Settings(_env_file=None, bot_webhook_url="https://mechta.example/api/v1/telegram/webhook",
                       bot_webhook_secret="s")

    assert parts_to_start(polling, None) == ["web", "bot", "scheduler"]
    assert parts_to_start(webhook, None) == ["web", "scheduler"]
    assert parts_to_start(webhook, ["bot"]) == []
