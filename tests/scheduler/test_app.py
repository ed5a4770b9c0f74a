"""The scheduler process: the tick, its hooks and heartbeat, the APScheduler job, `python -m scheduler`."""
import asyncio
import contextlib
import os
import signal
import sys
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from core.bootstrap import Container
from core.clock import FrozenClock
from core.config import Settings
from core.db.migrate import upgrade_async
from core.db.models import ServiceHeartbeat, User
from core.services.schedule import occurrence_on
from scheduler.app import TICK_JOB_ID, SchedulerApp
from tests.scheduler.support import RecordingSender, at, log_rows, tg_user

BERLIN = "Europe/Berlin"
ROOT = Path(__file__).resolve().parents[2]


class RecordingHook:
    def __init__(self) -> None:
        self.calls: list[datetime] = []

    async def run(self, now: datetime) -> None:
        self.calls.append(now)


class FailingHook:
    async def run(self, now: datetime) -> None:
        raise RuntimeError("this feature is broken")


async def test_tick_sends_due_prompts_and_leaves_a_heartbeat(container, clock):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    sender = RecordingSender()

    report = await SchedulerApp(container, sender, hooks=()).tick()

    assert report.sent == 1 and len(sender.kinds_for(user)) == 1
    status = {component.name: component for component in await container.health.check()}["scheduler"]
    assert status.status == "ok"
    async with container.db.read() as session:
        beat = await session.get(ServiceHeartbeat, "scheduler")
    assert beat.info["prompts"]["sent"] == 1 and beat.info["in_progress"] is False


async def test_a_failing_hook_stops_neither_prompts_nor_the_other_hooks(container, clock):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    container.broken_feature = FailingHook()
    container.working_feature = RecordingHook()
    app = SchedulerApp(container, RecordingSender(),
                       hooks=(("broken_feature", "run"), ("missing_feature", "run"), ("working_feature", "run")))

    report = await app.tick()
    results = await app.run_hooks(clock.now())

    assert report.sent == 1
    assert container.working_feature.calls == [clock.now(), clock.now()]
    assert results == {"broken_feature.run": "error", "working_feature.run": "ok"}


async def test_tick_job_is_coalesced_and_never_overlaps(container):
    app = SchedulerApp(container, RecordingSender(), hooks=())
    scheduler = app.start()
    try:
        job = scheduler.get_job(TICK_JOB_ID)
        assert job.coalesce is True and job.max_instances == 1
        assert job.trigger.interval == timedelta(seconds=container.settings.scheduler_tick_seconds)
        assert job.misfire_grace_time == container.settings.scheduler_tick_seconds
    finally:
        await app.shutdown()
    assert not scheduler.running


class GatedSender(RecordingSender):
    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, user, kind, local_date) -> None:
        self.entered.set()
        await self.release.wait()
        await super().send(user, kind, local_date)


async def test_shutdown_lets_the_running_tick_record_its_sends(container, clock):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    sender = GatedSender()
    app = SchedulerApp(container, sender, hooks=())
    app.start()  # the first tick runs at once
    await asyncio.wait_for(sender.entered.wait(), timeout=10)

    stopping = asyncio.create_task(app.shutdown())
    await asyncio.sleep(0)
    assert not stopping.done()
    sender.release.set()
    await asyncio.wait_for(stopping, timeout=10)

    assert [row.status for row in await log_rows(container, user)] == ["sent"]


async def test_python_m_scheduler_delivers_to_the_emulator_and_stops_on_sigterm(tmp_path, playground):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'scheduler.db'}"
    await upgrade_async(database_url)
    chat = playground.emulator.create_user("Mila", "en")
    now = datetime.now(UTC)
    ritual = time(now.hour, now.minute)
    settings = Settings(_env_file=None, env="test", database_url=database_url, data_dir=tmp_path / "data")
    container = Container(settings, clock=FrozenClock(now))
    try:
        # Due this very minute; the evening run is left for the scheduler to compute.
        user = User(id=uuid.uuid4(), telegram_id=chat["id"], time_zone="UTC", morning_time=ritual, locale="en",
                    next_morning_at=occurrence_on(now.date(), ritual, "UTC"))
        async with container.db.transaction() as session:
            session.add(user)
    finally:
        await container.close()

    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), "REDIS_URL": "",
           "BOT_TOKEN": "", "TELEGRAM_API_URL": f"{playground.base_url}/tg", "ENV": "development",
           "SCHEDULER_TICK_SECONDS": "1"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "scheduler", cwd=ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    message = None
    # Starting Python with aiogram takes seconds (much longer on a busy machine).
    with contextlib.suppress(TimeoutError):
        message = await playground.emulator.wait_for_bot_message(chat["id"], timeout=120, after_id=0)
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert message is not None, output.decode()
    assert process.returncode == 0, output.decode()
    assert b"scheduler stopped" in output
    container = Container(settings, clock=FrozenClock(now))
    try:
        [row] = await log_rows(container)
    finally:
        await container.close()
    assert (row.kind, row.status, row.local_date) == ("morning", "sent", now.date())
