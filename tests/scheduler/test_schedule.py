"""next_occurrence / previous_occurrence: ordinary days, DST gaps and folds, the extreme UTC offsets."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from core.services.schedule import local_date_of, next_occurrence, occurrence_on, previous_occurrence


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_berlin_ordinary_days_follow_the_offset_change():
    assert next_occurrence(time(8, 0), "Europe/Berlin", utc(2024, 3, 30, 0)) == utc(2024, 3, 30, 7)  # CET, +1
    assert next_occurrence(time(8, 0), "Europe/Berlin", utc(2024, 3, 30, 7)) == utc(2024, 3, 31, 6)  # CEST, +2


def test_berlin_gap_fires_at_the_moment_of_the_jump():
    # 31 March 2024: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 does not exist that day.
    fired = next_occurrence(time(2, 30), "Europe/Berlin", utc(2024, 3, 30, 12))
    assert fired == utc(2024, 3, 31, 1)
    assert fired.astimezone(ZoneInfo("Europe/Berlin")).time() == time(3, 0)
    assert local_date_of(fired, "Europe/Berlin") == date(2024, 3, 31)


def test_berlin_gap_day_is_followed_by_the_normal_time():
    assert next_occurrence(time(2, 30), "Europe/Berlin", utc(2024, 3, 31, 1)) == utc(2024, 4, 1, 0, 30)


def test_berlin_fold_fires_once_at_the_first_pass():
    # 27 October 2024: 02:00–03:00 happens twice, first in CEST (00:00–01:00 UTC), then in CET (01:00–02:00 UTC).
    first = next_occurrence(time(2, 30), "Europe/Berlin", utc(2024, 10, 26, 12))
    assert first == utc(2024, 10, 27, 0, 30)
    # The second pass through 02:30 (01:30 UTC) is not a new occurrence: the next one is the following night.
    assert next_occurrence(time(2, 30), "Europe/Berlin", first) == utc(2024, 10, 28, 1, 30)


def test_new_york_gap_fires_at_the_moment_of_the_jump():
    # 10 March 2024: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    assert next_occurrence(time(2, 15), "America/New_York", utc(2024, 3, 9, 12)) == utc(2024, 3, 10, 7)


def test_new_york_fold_fires_once_at_the_first_pass():
    # 3 November 2024: 01:00–02:00 happens twice, EDT (05:00–06:00 UTC) then EST (06:00–07:00 UTC).
    first = next_occurrence(time(1, 30), "America/New_York", utc(2024, 11, 2, 12))
    assert first == utc(2024, 11, 3, 5, 30)
    assert next_occurrence(time(1, 30), "America/New_York", first) == utc(2024, 11, 4, 6, 30)


def test_previous_occurrence_in_a_fold_is_the_first_pass_even_during_the_second():
    during_second_pass = utc(2024, 11, 3, 6, 45)  # 01:45 EST
    assert previous_occurrence(time(1, 30), "America/New_York", during_second_pass) == utc(2024, 11, 3, 5, 30)


def test_kiritimati_utc_plus_14_is_a_day_ahead():
    fired = next_occurrence(time(8, 0), "Pacific/Kiritimati", utc(2024, 1, 1, 17))
    assert fired == utc(2024, 1, 1, 18)
    assert local_date_of(fired, "Pacific/Kiritimati") == date(2024, 1, 2)


def test_utc_minus_12_is_a_day_behind():
    fired = next_occurrence(time(8, 0), "Etc/GMT+12", utc(2024, 1, 1, 19))  # POSIX sign: GMT+12 is UTC−12
    assert fired == utc(2024, 1, 1, 20)
    assert local_date_of(fired, "Etc/GMT+12") == date(2024, 1, 1)


def test_same_instant_is_two_local_dates_apart_across_the_date_line():
    instant = utc(2024, 1, 1, 10, 30)
    assert local_date_of(instant, "Pacific/Kiritimati") == date(2024, 1, 2)
    assert local_date_of(instant, "Etc/GMT+12") == date(2023, 12, 31)


def test_next_is_strictly_after_and_previous_is_inclusive():
    at = utc(2024, 5, 5, 6)  # 08:00 in Berlin
    assert previous_occurrence(time(8, 0), "Europe/Berlin", at) == at
    assert next_occurrence(time(8, 0), "Europe/Berlin", at) == at + timedelta(days=1)


def test_occurrence_on_a_whole_skipped_day_lands_on_the_jump():
    # Samoa skipped 30 December 2011 entirely (UTC−10 → UTC+14 at midnight).
    assert occurrence_on(date(2011, 12, 30), time(8, 0), "Pacific/Apia") == utc(2011, 12, 30, 10)


ZONES = ["Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Australia/Lord_Howe",
         "America/Santiago", "Asia/Kolkata", "Pacific/Chatham", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    local_time=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    after=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)),
)
def test_next_occurrence_is_the_first_one_after(zone, local_time, after):
    fired = next_occurrence(local_time, zone, after)
    assert after < fired <= after + timedelta(days=2)
    # Nothing was skipped: the occurrence before it is not after `after`.
    assert previous_occurrence(local_time, zone, fired - timedelta(seconds=1)) <= after
    assert previous_occurrence(local_time, zone, fired) == fired
    zone_info = ZoneInfo(zone)
    wall = fired.astimezone(zone_info).replace(tzinfo=None)
    if wall.time() != local_time:
        # The time did not exist that day: it fired at the jump, the first instant whose wall clock is past it.
        wanted = datetime.combine(wall.date(), local_time)
        before_jump = (fired - timedelta(seconds=1)).astimezone(zone_info).replace(tzinfo=None)
        assert before_jump < wanted < wall
