"""A move in Google reaches the step by itself: a push channel opened at connect when this deployment can receive
pushes (https, or http on loopback), and otherwise polling every GOOGLE_POLL_MINUTES from the scheduler's tick."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.config import Settings
from scheduler.app import SchedulerApp
from tests.calendar.conftest import BERLIN_FIELDS, MONDAY, add_steps, step_row
from tests.calendar.google.conftest import connect
from tests.helpers import ok_result, signed_in

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN)


class NoPrompts:
    async def send(self, user, kind, local_date) -> None:  # pragma: no cover - no prompt is due in these tests
        raise AssertionError("no ritual prompt should be due")


async def planned_and_moved(api, container, fake_google):
    """A connected person whose one planned block is then moved to Wednesday evening in Google."""
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    assert (await connect(api, container, headers, fake_google))["status"] == 200
    (run,) = await add_steps(container, user, ("Long run", 60, 1, MONDAY))
    assert ok_result(await api.post("/api/v1/calendar/plan-week/commit", headers=headers, json={}))["created"] == 1
    (block,) = [e for e in fake_google.live_events() if "extendedProperties" in e]
    fake_google.move_event(block["id"], berlin(3, 19), berlin(3, 20))
    return user, headers, run


async def tick(container) -> None:
    await SchedulerApp(container, NoPrompts()).run_hooks(container.clock.now())


class TestWithPush:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"public_base_url": "http://127.0.0.1:8000"})

    async def test_connecting_opens_a_channel_and_a_push_moves_the_step(self, api, container, fake_google,
                                                                        monday_clock):
        _, headers, run = await planned_and_moved(api, container, fake_google)
        (channel,) = fake_google.channels.values()
        assert channel["address"] == "http://127.0.0.1:8000/api/v1/webhook/google"
        (stored,) = ok_result(await api.get("/api/v1/webhook/status", headers=headers))["channels"]
        assert stored["channel_id"] == channel["id"]

        monday_clock.advance(minutes=30)  # long past the poll interval: a live channel means no polling
        await tick(container)
        assert (await step_row(container, run.id)).planned_date == MONDAY

        pushed = await api.post("/api/v1/webhook/google", headers={
            "X-Goog-Channel-ID": channel["id"], "X-Goog-Channel-Token": channel["token"],
            "X-Goog-Resource-State": "exists", "X-Goog-Resource-ID": stored["resource_id"]})
        assert ok_result(pushed)["sync_scheduled"] is True
        monday_clock.advance(seconds=6)  # past the debounce
        await tick(container)
        assert (await step_row(container, run.id)).planned_date == date(2026, 6, 3)


class TestWithoutPush:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # Not https and not loopback: Google would refuse the address, so no channel is opened.
        return settings.model_copy(update={"public_base_url": "http://mechta.example", "google_poll_minutes": 5})

    async def test_no_channel_and_polling_moves_the_step_within_the_interval(self, api, container, fake_google,
                                                                             monday_clock):
        _, _, run = await planned_and_moved(api, container, fake_google)
        assert fake_google.channels == {}
        lists = fake_google.calls["GET /calendar/v3/calendars/primary/events"]

        await tick(container)  # synced just now (at commit): not polled yet
        assert fake_google.calls["GET /calendar/v3/calendars/primary/events"] == lists
        assert (await step_row(container, run.id)).planned_date == MONDAY

        monday_clock.advance(minutes=5, seconds=1)
        await tick(container)
        assert fake_google.calls["GET /calendar/v3/calendars/primary/events"] == lists + 1
        assert (await step_row(container, run.id)).planned_date == date(2026, 6, 3)
        await tick(container)  # polled once per interval, not once per tick
        assert fake_google.calls["GET /calendar/v3/calendars/primary/events"] == lists + 1



class TestPollingOff:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"public_base_url": "http://mechta.example", "google_poll_minutes": 0})

    async def test_nothing_is_polled(self, api, container, fake_google, monday_clock):
        _, _, run = await planned_and_moved(api, container, fake_google)
        lists = fake_google.calls["GET /calendar/v3/calendars/primary/events"]
        monday_clock.advance(hours=2)
        await tick(container)
        assert fake_google.calls["GET /calendar/v3/calendars/primary/events"] == lists
        assert (await step_row(container, run.id)).planned_date == MONDAY


def test_only_https_or_loopback_can_receive_pushes(settings: Settings, container) -> None:
    push = container.calendar.push
    for url, allowed in [("https://mechta.example", True), ("http://127.0.0.1:8000", True),
                         ("http://localhost", True), ("http://mechta.example", False), ("", False)]:
        push.settings = settings.model_copy(update={"public_base_url": url})
        assert push.push_allowed is allowed, url
