"""What people type for ritual times and birth dates."""
from __future__ import annotations

from datetime import date, time

import pytest

from bot.utils.parsing import BirthDateProblem, parse_birth_date, parse_time

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("7:30", time(7, 30)), ("07.30", time(7, 30)), ("730", time(7, 30)), ("0730", time(7, 30)),
    ("7", time(7, 0)), ("19 45", time(19, 45)), (" 23:59 ", time(23, 59)), ("0:00", time(0, 0)),
])
def test_times_in_everyday_formats(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "morning", "12345", "", "7:3"])
def test_not_a_time(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize("text", ["31.12.1990", "1990-12-31", "31/12/1990", "31-12-1990"])
def test_birth_dates_in_common_formats(text: str) -> None:
    assert parse_birth_date(text, TODAY) == date(1990, 12, 31)


@pytest.mark.parametrize(("text", "reason"), [
    ("31.02.1990", "day"), ("29.02.1991", "day"), ("1990-04-31", "day"), ("12.13.1990", "month"),
    ("00.05.1990", "format"), ("31.02.90", "format"), ("tomorrow", "format"), ("02.06.2026", "future"),
    ("01.06.2022", "age"), ("31.05.1905", "age"),
])
def test_impossible_birth_dates_say_why(text: str, reason: str) -> None:
    with pytest.raises(BirthDateProblem) as problem:
        parse_birth_date(text, TODAY)

    assert problem.value.reason == reason


@pytest.mark.parametrize(("text", "number"), [("31.02.1990", 31), ("1990-04-31", 31), ("12.13.1990", 13)])
def test_a_date_that_does_not_exist_names_the_day_or_month(text: str, number: int) -> None:
    with pytest.raises(BirthDateProblem) as problem:
        parse_birth_date(text, TODAY)

    assert problem.value.number == number
