"""The scheduler process: one short APScheduler job, "tick", that delivers due ritual prompts and runs other
features' periodic hooks, then leaves a heartbeat for the status page.

The job is coalesced and never runs twice at once in a process (a long tick makes the next ones wait, not pile up);
several processes may run side by side — the claim protocol in core/services/prompts_delivery.py keeps every prompt
single. Hooks are optional methods on the container's services, each called with `now` in its own try/except, so
a failing (or absent) feature never stops prompts.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.bootstrap import Container
from core.services.prompts_delivery import DeliveryReport, PromptSender
from scheduler.calendar_jobs import run_calendar_jobs
from scheduler.wants_jobs import send_stream_notices

log = logging.getLogger("mechta.scheduler")

TICK_JOB_ID = "tick"
# (service on the Container, a dotted path for a part of one; method called every tick with `now`), run when the
# feature is present.
OPTIONAL_HOOKS: tuple[tuple[str, str], ...] = (
    ("wants", "close_expired_streams"),
    ("calendar.push", "schedule_polls"),
    ("calendar.push", "run_pending_syncs"),
    ("calendar.push", "renew_expiring_channels"),
)
# During a long tick (a big morning wave), the heartbeat is refreshed at least this often.
PROGRESS_BEAT_SECONDS = 20.0
SHUTDOWN_GRACE_SECONDS = 30.0


def freeze_startup_heap() -> None:
    """Move everything start-up made (modules, the container, the bot's renderer) out of the garbage collector's
    sight. A claim batch allocates thousands of small tuples, which sets off full collections; each one walked
    these hundreds of thousands of start-up objects that never become garbage — about half a claim's CPU time."""
    gc.collect()
    gc.freeze()


class SchedulerApp:
    def __init__(self, container: Container, sender: PromptSender, *,
                 hooks: tuple[tuple[str, str], ...] = OPTIONAL_HOOKS) -> None:
        self.container = container
        self.sender = sender
        self.hooks = hooks
        self.stopping = asyncio.Event()
        self._scheduler: AsyncIOScheduler | None = None
        self._current_tick: asyncio.Task | None = None
        self._last_beat = 0.0

    async def tick(self) -> DeliveryReport:
        """One pass: deliver every due prompt, run the hooks, beat. Never raises (the next tick tries again)."""
        started = self.container.clock.now()
        report = DeliveryReport()
        try:
            report = await self.container.prompt_delivery.deliver_due(self.sender, stop=self.stopping,
                                                                      on_batch=self._beat_during_tick)
        except Exception:
            log.exception("delivering ritual prompts failed; the next tick retries")
        hooks = await self.run_hooks(started)
        hooks.update(await self.run_chat_jobs(started))
        await self._beat(report, hooks)
        if report.claimed or report.skipped_late or report.failed:
            log.info("tick: %s", {k: v for k, v in report.as_dict().items() if v})
        return report

    async def run_hooks(self, now: datetime) -> dict[str, str]:
        results: dict[str, str] = {}
        for service_name, method_name in self.hooks:
            name = f"{service_name}.{method_name}"
            try:
                service = self.container
                for part in service_name.split("."):
                    service = getattr(service, part, None)
                method = getattr(service, method_name, None)
                if method is None:
                    continue
                await method(now)
                results[name] = "ok"
            except Exception:
                log.exception("scheduler hook %s failed", name)
                results[name] = "error"
        return results

    async def run_chat_jobs(self, now: datetime) -> dict[str, str]:
        """Features that message people themselves (calendar reminders and news, wants stream notices) use the
        prompt sender's Bot and its shared pace; a sender without a Bot (tests' recorders) runs none of them."""
        bot = getattr(self.sender, "bot", None)
        if bot is None:
            return {}
        limiter = getattr(self.sender, "limiter", None)
        results: dict[str, str] = {}
        try:
            sent = await run_calendar_jobs(self.container, bot, now, limiter=limiter)
            results["calendar.chat_jobs"] = "error" if -1 in sent.values() else "ok"
        except Exception:
            log.exception("the calendar's chat jobs failed")
            results["calendar.chat_jobs"] = "error"
        try:
            await send_stream_notices(self.container, bot, now, limiter=limiter)
            results["wants.stream_notices"] = "ok"
        except Exception:
            log.exception("the wants stream notices failed; the next tick tries again")
            results["wants.stream_notices"] = "error"
        return results

    def start(self) -> AsyncIOScheduler:
        seconds = self.container.settings.scheduler_tick_seconds
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(self._scheduled_tick, "interval", seconds=seconds, id=TICK_JOB_ID, coalesce=True,
                          max_instances=1, misfire_grace_time=seconds, next_run_time=datetime.now(UTC))
        scheduler.start()
        self._scheduler = scheduler
        return scheduler

    async def run_until_stopped(self) -> None:
        """Tick until `stopping` is set, then let a running tick finish its batch (bounded) and stop."""
        self.start()
        await self.stopping.wait()
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop starting ticks, let the running one finish its batch (it checks `stopping`), then stop APScheduler.

        APScheduler's own shutdown cancels running coroutine jobs, so it comes last. A tick still running after the
        grace period is cancelled; the prompts it had claimed are retried by the next run after their lease.
        """
        self.stopping.set()
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.pause()
        await asyncio.sleep(0)  # a tick job submitted just before the pause starts now and sees `stopping`
        running = self._current_tick
        if running is not None and not running.done():
            try:
                await asyncio.wait_for(asyncio.shield(running), SHUTDOWN_GRACE_SECONDS)
            except TimeoutError:
                log.warning("the tick did not finish in %.0f s; cancelling it", SHUTDOWN_GRACE_SECONDS)
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a loop callback

    async def _scheduled_tick(self) -> None:
        if self.stopping.is_set():
            return
        self._current_tick = asyncio.current_task()
        try:
            await self.tick()
        finally:
            self._current_tick = None

    async def _beat_during_tick(self, report: DeliveryReport) -> None:
        if time.monotonic() - self._last_beat >= PROGRESS_BEAT_SECONDS:
            await self._beat(report, {}, in_progress=True)

    async def _beat(self, report: DeliveryReport, hooks: dict[str, str], *, in_progress: bool = False) -> None:
        info = {"prompts": report.as_dict(), "hooks": hooks, "in_progress": in_progress,
                "tick_seconds": self.container.settings.scheduler_tick_seconds}
        try:
            await self.container.health.beat("scheduler", info)
            self._last_beat = time.monotonic()
        except Exception:
            log.exception("could not record the scheduler heartbeat")
