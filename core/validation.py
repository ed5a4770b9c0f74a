"""The one rule for text and numbers coming from outside (API requests and what people type to the bot).

Refused everywhere: NUL and the other control characters (PostgreSQL cannot store NUL, terminals and logs
misbehave on the rest) and lone surrogates (they cannot be encoded). Free text may keep tab and line breaks;
single-line values (path and query parameters) may not. Dates stay within years 1900–2199 so date arithmetic
and the database never overflow; a Unix time is a whole number of seconds; page numbers are bounded.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

MIN_YEAR = 1900
MAX_YEAR = 2199
MAX_PAGE = 1_000_000
# Longer bot messages get a "please shorten" reply. Telegram's own cap: it splits a longer paste into messages of
# this size, and each part is a legitimate piece of the person's answer, so a lower limit would refuse them.
MAX_MESSAGE_CHARS = 4096

# Control characters (Unicode category Cc: U+0000–001F, U+007F–009F) and lone surrogates (Cs), as one character
# class each so a whole request body is scanned at C speed. Free text keeps tab, line feed and carriage return.
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NON_INTEGER_NUMBER = re.compile(r"\s*[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)\s*")


def forbidden_characters(text: str, *, multiline: bool = True) -> list[str]:
    """The offending characters of `text` as U+XXXX names, in order of first appearance (empty: the text is fine)."""
    pattern = _FORBIDDEN_IN_TEXT if multiline else _FORBIDDEN_IN_LINE
    if pattern.search(text) is None:
        return []
    return list(dict.fromkeys(f"U+{ord(char):04X}" for char in pattern.findall(text)))


def problem_message(chars: list[str]) -> str:
    return f"Control characters are not allowed ({', '.join(chars[:5])})"


def find_unclean_strings(value: Any, *, multiline: bool = True) -> Iterator[tuple[tuple[str | int, ...], list[str]]]:
    """Every string inside decoded JSON (keys included) that breaks the rule, with where it sits, in document
    order. Walked with an explicit stack: however deep the nesting, no recursion limit is reached."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if chars := forbidden_characters(item, multiline=multiline):
                yield path, chars
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                key_path = (*path, str(key))
                if isinstance(key, str) and (chars := forbidden_characters(key, multiline=False)):
                    yield key_path, chars
                children.append((key_path, child))
            stack.extend(reversed(children))
        elif isinstance(item, list):
            stack.extend(reversed([((*path, index), child) for index, child in enumerate(item)]))


# ----- dates, Unix times and pages (pydantic types for request models and parameters) ------------------------

def _year_in_range(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"Use a date between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


def _whole_unix_time(value: Any) -> Any:
    """Pydantic reads a number as a Unix time; only whole seconds are meaningful here."""
    if isinstance(value, float) or (isinstance(value, str) and _NON_INTEGER_NUMBER.fullmatch(value)):
        raise ValueError("A Unix time must be a whole number of seconds")
    return value


BoundedDate = Annotated[date, AfterValidator(_year_in_range)]
# Documented as what it accepts: an ISO 8601 date-time, or a Unix time in whole seconds.
BoundedDateTime = Annotated[datetime, BeforeValidator(_whole_unix_time), AfterValidator(_year_in_range),
                            WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"},
                                                      {"type": "integer", "description": "Unix time, seconds"}]})]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
