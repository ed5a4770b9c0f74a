"""What people type for a time or a date, turned into values (or a reason to ask again)."""
from __future__ import annotations

import re
from datetime import date, datetime, time

MIN_AGE_YEARS = 5
MAX_AGE_YEARS = 120
_TIME = re.compile(r"^(\d{1,2})(?:\s*[:.\-\s h]\s*(\d{2}))?$")
_COMPACT_TIME = re.compile(r"^(\d{1,2})(\d{2})$")
_DATE_FORMATS = ("%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%Y.%m.%d")
# The shapes of _DATE_FORMATS, to tell "not a date" from a date that does not exist (31.02, month 13).
_DAY_FIRST = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})([.-])(\d{1,2})\2(\d{1,2})$")


def parse_time(text: str) -> time | None:
    """`7:30`, `07.30`, `7 30`, `7-30`, `730`, `0730`, `7` → 07:30 / 07:00; None if it is not a time of day."""
    value = (text or "").strip().lower()
    match = _COMPACT_TIME.match(value) if value.isdigit() and len(value) in (3, 4) else _TIME.match(value)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class BirthDateProblem(ValueError):
    def __init__(self, reason: str, number: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason  # format | month (no such month) | day (no such day in that month) | future | age
        self.number = number  # the month or the day that does not exist


def _nonexistent(value: str) -> BirthDateProblem:
    """Why a text shaped like a date is none: its month, or its day in that month, does not exist."""
    if match := _DAY_FIRST.match(value):
        day, month = int(match.group(1)), int(match.group(3))
    elif match := _YEAR_FIRST.match(value):
        month, day = int(match.group(3)), int(match.group(4))
    else:
        return BirthDateProblem("format")
    if not 1 <= month <= 12:
        return BirthDateProblem("month", month)
    if day >= 1:
        return BirthDateProblem("day", day)
    return BirthDateProblem("format")


def parse_birth_date(text: str, today: date) -> date:
    """31.12.1990, 31/12/1990, 1990-12-31: a real date in the past, for an age from 5 to 120 years."""
    value = re.sub(r"\s+", "", text or "")
    for pattern in _DATE_FORMATS:
        try:
            born = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        break
    else:
        raise _nonexistent(value)
    if born > today:
        raise BirthDateProblem("future")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
        raise BirthDateProblem("age")
    return born
