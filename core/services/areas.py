"""Life areas: the reference list the wheel, goals and the bot are built on. Admins edit it; everyone reads it.

Reads are cached for two minutes (`areas:list:{0|1}`, `areas:item:{id}`) and every write drops those keys. The lists
are also kept in each process, for as long, in front of the shared cache (the wheel checks every entry's areas against
the active list): every write drops those copies too, in every process (`IdentityCache.drop_copy`).
"""
from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy.exc import IntegrityError

from core.cache import Cache
from core.clock import Clock
from core.db.engine import Database
from core.db.models import Area
from core.errors import BadRequest, NotFound, Unprocessable
from core.identity import IdentityCache
from core.repositories.areas import AreaRepository

AREA_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
AREAS_CACHE_TTL = 120
LOCAL_COPY = "areas"  # the name of the in-process lists on the drop channel

# Editable fields and their limits; `id` is fixed at creation.
TEXT_LIMITS = {"title_ru": 100, "title_en": 100, "description_ru": 1000, "description_en": 1000, "emoji": 16}
REQUIRED_TEXT = {"title_ru", "title_en"}
ORDER_INDEX_RANGE = (0, 10_000)
EDITABLE_FIELDS = set(TEXT_LIMITS) | {"order_index", "is_active"}
_CACHED_COLUMNS = ("id", *sorted(EDITABLE_FIELDS))


def _list_key(include_inactive: bool) -> str:
    return f"areas:list:{int(include_inactive)}"


def _item_key(area_id: str) -> str:
    return f"areas:item:{area_id}"


def _to_cache(area: Area) -> dict[str, Any]:
    return {name: getattr(area, name) for name in _CACHED_COLUMNS}


def _from_cache(data: dict[str, Any]) -> Area:
    return Area(**{name: data[name] for name in _CACHED_COLUMNS})


def is_valid_area_id(area_id: str) -> bool:
    return bool(AREA_ID_PATTERN.match(area_id or ""))


class AreaService:
    def __init__(self, db: Database, clock: Clock, cache: Cache, copies: IdentityCache | None = None) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        # The lists kept in this process: include_inactive → (time.monotonic() it expires, the cached rows).
        self._local: dict[bool, tuple[float, list[dict[str, Any]]]] = {}
        self._drops = 0  # a read that began before a drop is not kept
        self._copies = copies
        if copies is not None:
            copies.on_copy_dropped(LOCAL_COPY, self._drop_local_copies)

    def _drop_local_copies(self) -> None:
        self._local.clear()
        self._drops += 1

    async def list(self, *, include_inactive: bool = False) -> list[Area]:
        """Areas in wheel order (order_index, then id)."""
        local = self._local_rows(include_inactive)
        if local is not None:
            return [_from_cache(item) for item in local]
        drops = self._drops
        key = _list_key(include_inactive)
        cached = await self.cache.get_json(key)
        if cached is not None:
            self._keep(include_inactive, cached, drops)
            return [_from_cache(item) for item in cached]
        async with self.db.read() as session:
            areas = await AreaRepository(session).list(include_inactive=include_inactive)
        rows = [_to_cache(area) for area in areas]
        await self.cache.set_json(key, rows, AREAS_CACHE_TTL)
        self._keep(include_inactive, rows, drops)
        return areas

    async def active_areas(self) -> list[Area]:
        return await self.list(include_inactive=False)

    async def active_ids(self) -> list[str]:
        """Ids of the active areas, in wheel order: the cached list's, without building a row per area."""
        local = self._local_rows(False)
        if local is not None:
            return [item["id"] for item in local]
        drops = self._drops
        cached = await self.cache.get_json(_list_key(False))
        if cached is not None:
            self._keep(False, cached, drops)
            return [item["id"] for item in cached]
        return [area.id for area in await self.list(include_inactive=False)]

    def _local_rows(self, include_inactive: bool) -> list[dict[str, Any]] | None:
        if self._copies is None or not self._copies.hears_drops:
            return None
        item = self._local.get(include_inactive)
        return item[1] if item is not None and item[0] > time.monotonic() else None

    def _keep(self, include_inactive: bool, rows: list[dict[str, Any]], drops_before_the_read: int) -> None:
        # Not kept when a drop came during the read (it may have read the list before the change), nor while this
        # process may miss a drop.
        if self._copies is None or not self._copies.hears_drops or self._drops != drops_before_the_read:
            return
        self._local[include_inactive] = (time.monotonic() + AREAS_CACHE_TTL, rows)

    async def get(self, area_id: str) -> Area:
        if not is_valid_area_id(area_id):
            raise _not_found()
        key = _item_key(area_id)
        cached = await self.cache.get_json(key)
        if cached is not None:
            return _from_cache(cached)
        async with self.db.read() as session:
            area = await AreaRepository(session).get(area_id)
        if area is None:
            raise _not_found()
        await self.cache.set_json(key, _to_cache(area), AREAS_CACHE_TTL)
        return area

    async def create(self, area_id: str, fields: dict[str, Any]) -> Area:
        """A new area; `fields` needs title_ru and title_en, the rest defaults (active, last in order)."""
        errors: dict[str, list[str]] = {}
        if not isinstance(area_id, str) or not is_valid_area_id(area_id):
            errors["id"] = ["Use 2-40 lowercase latin letters, digits or _, starting with a letter"]
        try:
            cleaned = _validate_fields(fields, creating=True)
        except Unprocessable as exc:
            errors.update(exc.fields)
        if errors:
            raise Unprocessable(fields=errors)
        now = self.clock.now()
        try:
            async with self.db.transaction() as session:
                repo = AreaRepository(session)
                if await repo.get(area_id) is not None:
                    raise _already_exists()
                if "order_index" not in cleaned:
                    existing = await repo.list(include_inactive=True)
                    cleaned["order_index"] = max((a.order_index for a in existing), default=-1) + 1
                area = repo.add(Area(id=area_id, created_at=now, updated_at=now,
                                     **{"is_active": True, "description_ru": "", "description_en": "", "emoji": "",
                                        **cleaned}))
        except IntegrityError as exc:
            # Another admin created the same id between our check and our insert.
            raise _already_exists() from exc
        await self._forget(area_id)
        return area

    async def update(self, area_id: str, changes: dict[str, Any]) -> Area:
        if not is_valid_area_id(area_id):
            raise _not_found()
        cleaned = _validate_fields(changes, creating=False)
        async with self.db.transaction() as session:
            area = await AreaRepository(session).get(area_id, for_update=True)
            if area is None:
                raise _not_found()
            for name, value in cleaned.items():
                setattr(area, name, value)
            area.updated_at = self.clock.now()
        await self._forget(area_id)
        return area

    async def deactivate(self, area_id: str) -> Area:
        """Soft delete: the area leaves the active list; past wheel entries that mention it stay readable."""
        return await self.update(area_id, {"is_active": False})

    async def _forget(self, area_id: str) -> None:
        try:
            await self.cache.delete(_list_key(False), _list_key(True), _item_key(area_id))
        finally:
            if self._copies is not None:  # after the shared entries: no process may copy them from there again
                await self._copies.drop_copy(LOCAL_COPY)


def _not_found() -> NotFound:
    return NotFound("AREA_NOT_FOUND", "Area not found.")


def _already_exists() -> BadRequest:
    return BadRequest("AREA_ALREADY_EXISTS", "An area with this id already exists.")


def _validate_fields(changes: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in sorted(set(changes) - EDITABLE_FIELDS):
        errors[name] = ["This field cannot be changed"]
    for name, value in changes.items():
        if name in TEXT_LIMITS:
            if not isinstance(value, str):
                errors[name] = ["Must be text"]
                continue
            value = value.strip()
            if name in REQUIRED_TEXT and not value:
                errors[name] = ["Must not be empty"]
            elif len(value) > TEXT_LIMITS[name]:
                errors[name] = [f"At most {TEXT_LIMITS[name]} characters"]
            else:
                cleaned[name] = value
        elif name == "order_index":
            low, high = ORDER_INDEX_RANGE
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[name] = [f"Must be a whole number from {low} to {high}"]
            else:
                cleaned[name] = value
        elif name == "is_active":
            if not isinstance(value, bool):
                errors[name] = ["Must be true or false"]
            else:
                cleaned[name] = value
    if creating:
        for name in sorted(REQUIRED_TEXT - set(changes)):
            errors[name] = ["This field is required"]
    if errors:
        raise Unprocessable(fields=errors)
    return cleaned
