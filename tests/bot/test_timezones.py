"""Offline time-zone lookup from what people type or where they are."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.clock import FrozenClock
from core.services.timezones import TimeZoneResolver

resolver = TimeZoneResolver(FrozenClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)))


@pytest.mark.parametrize(("text", "zone"), [
    ("Москва", "Europe/Moscow"),
    ("г. Екатеринбург", "Asia/Yekaterinburg"),
    ("Питер", "Europe/Moscow"),
    ("Алматы", "Asia/Almaty"),
    ("berlin, germany", "Europe/Berlin"),
    ("Novosibrsk", "Asia/Novosibirsk"),  # a typo
    ("Moscow", "Europe/Moscow"),  # not Moscow, Idaho: the most populous city wins
    ("america/NEW_york", "America/New_York"),
    ("UTC", "UTC"),
    ("мск", "Europe/Moscow"),
    ("UTC+5:30", "Asia/Kolkata"),
])
def test_cities_and_zone_names_resolve(text: str, zone: str) -> None:
    assert resolver.from_text(text).time_zone == zone


@pytest.mark.parametrize(("text", "zone", "label"), [
    ("+3", "Etc/GMT-3", "UTC+03:00"),  # POSIX names invert the sign
    ("GMT-5", "Etc/GMT+5", "UTC-05:00"),
    ("мск+4", "Etc/GMT-7", "UTC+07:00"),
])
def test_offsets_become_fixed_zones(text: str, zone: str, label: str) -> None:
    match = resolver.from_text(text)

    assert (match.time_zone, match.label, match.fixed_offset) == (zone, label, True)


@pytest.mark.parametrize("text", ["", "qwxzvbn", "+15", "-13", "+5:20", "x" * 500])
def test_nonsense_finds_nothing(text: str) -> None:
    assert resolver.from_text(text) is None


def test_the_match_carries_the_local_time_from_the_clock() -> None:
    assert resolver.from_text("Tokyo").local_time.strftime("%H:%M") == "21:00"


def test_a_location_resolves_to_its_zone() -> None:
    assert resolver.from_location(43.12, 131.89).time_zone == "Asia/Vladivostok"
    assert resolver.from_location(48.85, 2.35).time_zone == "Europe/Paris"
