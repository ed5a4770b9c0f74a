"""Prometheus metrics of every Mechta process, and the one-line hooks the services call.

With PROMETHEUS_MULTIPROC_DIR set (before this module is imported: `mechta run` and the Dockerfile set it), each
process writes its samples to files there and `/metrics` adds them up, so the web process also shows what the
bot poller and the scheduler did on the same machine. Without it, `/metrics` shows this process alone.

Labels are small closed sets (route templates, update types, features, outcomes): never ids or free text.
"""
from __future__ import annotations

import asyncio
import functools
import os
import time
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
AI_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 20, 40, 60, 120)
LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600)

HTTP_REQUESTS = Counter("mechta_http_requests", "HTTP requests by route template and status",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("mechta_http_request_seconds", "HTTP request duration by route template",
                         ["route"], buckets=LATENCY_BUCKETS)
BOT_UPDATES = Counter("mechta_bot_updates", "Bot updates by type and outcome (handled, unhandled, error)",
                      ["type", "outcome"])
BOT_HANDLER_LATENCY = Histogram("mechta_bot_handler_seconds", "Time to handle one update, by type",
                                ["type"], buckets=LATENCY_BUCKETS)
WEBHOOK_UPDATES = Counter("mechta_webhook_updates",
                          "Webhook deliveries by outcome (handled, duplicate, busy, refused, invalid, failed)",
                          ["outcome"])
AI_CALLS = Counter("mechta_ai_calls", "AI calls by feature and outcome (ok, timeout, failed)", ["feature", "outcome"])
AI_LATENCY = Histogram("mechta_ai_call_seconds", "AI call duration by feature", ["feature"], buckets=AI_BUCKETS)
QUOTA_REFUSALS = Counter("mechta_quota_refusals", "Requests refused because the plan's quota was used up",
                         ["resource"])
PROMPTS = Counter("mechta_ritual_prompts", "Ritual prompts by kind and outcome (sent, skipped_*, failed, retry)",
                  ["kind", "outcome"])
SCHEDULER_LAG = Histogram("mechta_scheduler_lag_seconds", "How late a due prompt was when it was sent",
                          ["kind"], buckets=LAG_BUCKETS)
GOOGLE_SYNCS = Counter("mechta_google_syncs", "Google Calendar sync runs by outcome (ok, failed)", ["outcome"])
BACKGROUND_JOBS = Counter("mechta_background_jobs", "Slow bot work finished after the update was answered",
                          ["name", "outcome"])


def ai_call(feature: str, outcome: str, seconds: float) -> None:
    AI_CALLS.labels(feature, outcome).inc()
    AI_LATENCY.labels(feature).observe(seconds)


def quota_refused(resource: str) -> None:
    QUOTA_REFUSALS.labels(resource).inc()


def prompt_outcome(kind: str, outcome: str, lag_seconds: float | None = None, *, count: int = 1) -> None:
    """`count` prompts of one kind with one outcome (and, when given, one lag: a claim batch shares them)."""
    PROMPTS.labels(kind, outcome).inc(count)
    if lag_seconds is not None:
        lag = SCHEDULER_LAG.labels(kind)
        for _ in range(count):
            lag.observe(max(lag_seconds, 0.0))


def google_sync(outcome: str) -> None:
    GOOGLE_SYNCS.labels(outcome).inc()


def webhook_update(outcome: str) -> None:
    WEBHOOK_UPDATES.labels(outcome).inc()


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def render() -> tuple[bytes, str]:
    """The exposition text (all processes sharing the multiprocess directory, or this one) and its type."""
    directory = multiprocess_dir()
    if directory is None:
        from prometheus_client import REGISTRY

        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    _multiprocess.MultiProcessCollector(registry, path=str(directory))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def process_exited(pid: int, directory: str | None) -> None:
    """Drop a finished child's live gauges (counters and histograms stay summed)."""
    if directory:
        _multiprocess.mark_process_dead(pid, directory)


def google_sync_run(sync):
    """Decorates a Google Calendar sync: every run counted as ok or failed."""

    @functools.wraps(sync)
    async def counted(*args, **kwargs):
        try:
            result = await sync(*args, **kwargs)
        except Exception:
            google_sync("failed")
            raise
        google_sync("ok")
        return result

    return counted


class MeteredAIProvider:
    """Wraps an AI provider: every call counted by feature and outcome (ok, timeout, failed) and timed."""

    def __init__(self, provider) -> None:
        object.__setattr__(self, "_provider", provider)

    def __getattr__(self, name: str):
        return getattr(self._provider, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._provider, name, value)  # tests and callers reconfigure the provider itself

    async def complete_structured(self, messages, output, *, feature: str, **kwargs):
        return await self._timed(feature, self._provider.complete_structured(messages, output, feature=feature,
                                                                              **kwargs))

    async def generate_image(self, prompt: str, **kwargs):
        return await self._timed("image", self._provider.generate_image(prompt, **kwargs))

    async def transcribe(self, audio: bytes, **kwargs):
        return await self._timed("voice", self._provider.transcribe(audio, **kwargs))

    @staticmethod
    async def _timed(feature: str, call):
        from core.clients.ai.base import ProviderTimeout

        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await call
            outcome = "ok"
            return result
        except (ProviderTimeout, TimeoutError, asyncio.CancelledError):
            outcome = "timeout"  # the service's own deadline cancels the call
            raise
        finally:
            ai_call(feature, outcome, time.perf_counter() - started)
