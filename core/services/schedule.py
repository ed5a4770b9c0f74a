"""When does a daily local time next happen? Pure functions over `zoneinfo`, no database, no clock.

A ritual is "every day at 08:00 on the user's wall clock". Two days a year that sentence is ambiguous:

* **Gap** (spring forward): in Europe/Berlin on the last Sunday of March the clock jumps from 02:00 to 03:00, so
  02:30 never happens. The ritual fires at the first valid instant after the missing wall time, which is the moment
  of the jump (03:00 local, 01:00 UTC) — the user gets it as soon as their day reaches that point, not an hour late
  (PEP 495's fold=0 reading would give 03:30) and not skipped.
* **Fold** (fall back): in Europe/Berlin on the last Sunday of October 02:00–03:00 happens twice. The ritual fires
  once, at the first occurrence (fold=0, still summer time); the second pass through 02:30 is not a new day, so it
  does not fire again.

Every occurrence belongs to one local date: the date whose wall-clock time it stands for (`occurrence_on`).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# Far enough to step over any real transition, including whole skipped days (Pacific/Apia, 30 December 2011).
_SEARCH_DAYS = 4


@lru_cache(maxsize=1024)
def zone_named(name: str) -> ZoneInfo:
    """ZoneInfo(name), kept: ZoneInfo's own cache holds only 8 zones strongly, and a tick walks through hundreds."""
    return ZoneInfo(name)


def occurrence_on(local_date: date, local_time: time, tz: str | ZoneInfo) -> datetime:
    """The UTC instant at which `local_time` happens on `local_date` in zone `tz` (gap and fold rules above)."""
    zone = tz if isinstance(tz, ZoneInfo) else zone_named(tz)
    wall = datetime.combine(local_date, local_time.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=zone).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # an ordinary time, or the first pass of a fold
    return _end_of_gap(wall, zone)


def next_occurrence(local_time: time, tz: str | ZoneInfo, after_utc: datetime) -> datetime:
    """The first occurrence of the daily `local_time` strictly after `after_utc` (aware), in UTC."""
    zone = tz if isinstance(tz, ZoneInfo) else zone_named(tz)
    start = after_utc.astimezone(zone).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        instant = occurrence_on(start + timedelta(days=offset), local_time, zone)
        if instant > after_utc:
            return instant
    raise ValueError(f"no occurrence of {local_time} in {zone.key} within {_SEARCH_DAYS} days of {after_utc}")


def previous_occurrence(local_time: time, tz: str | ZoneInfo, at_or_before_utc: datetime) -> datetime:
    """The latest occurrence of the daily `local_time` at or before `at_or_before_utc`, in UTC."""
    zone = tz if isinstance(tz, ZoneInfo) else zone_named(tz)
    start = at_or_before_utc.astimezone(zone).date() + timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        instant = occurrence_on(start - timedelta(days=offset), local_time, zone)
        if instant <= at_or_before_utc:
            return instant
    raise ValueError(f"no occurrence of {local_time} in {zone.key} in {_SEARCH_DAYS} days up to {at_or_before_utc}")


def local_date_of(instant: datetime, tz: str | ZoneInfo) -> date:
    """The local calendar date at `instant`: for an occurrence, the day it belongs to (a gap ends on its own day)."""
    zone = tz if isinstance(tz, ZoneInfo) else zone_named(tz)
    return instant.astimezone(zone).date()


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant that skipped `wall`: the first UTC moment whose local time is later than `wall`.

    Reading the missing wall time with the offsets before (fold=0) and after (fold=1) the jump gives two instants
    that bracket the transition; bisect between them to the second.
    """
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if low > high:
        low, high = high, low
    # Invariant: local(low) is before the jump, local(high) after it.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(zone).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return high
