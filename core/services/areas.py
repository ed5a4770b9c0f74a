"""Life areas: the reference list the wheel, goals and the bot are built on. Admins edit it; everyone reads it.

Reads are cached for two minutes (`areas:list:{0|1}`, `areas:item:{id}`) and every write drops those keys.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError

from core.cache import Cache
from core.clock import Clock
from core.db.engine import Database
from core.db.models import Area
from core.errors import BadRequest, NotFound, Unprocessable
from core.repositories.areas import AreaRepository

AREA_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
AREAS_CACHE_TTL = 120

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
    def __init__(self, db: Database, clock: Clock, cache: Cache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    async def list(self, *, include_inactive: bool = False) -> list[Area]:
        """Areas in wheel order (order_index, then id)."""
        key = _list_key(include_inactive)
        cached = await self.cache.get_json(key)
        if cached is not None:
            return [_from_cache(item) for item in cached]
        async with self.db.read() as session:
            areas = await AreaRepository(session).list(include_inactive=include_inactive)
        await self.cache.set_json(key, [_to_cache(area) for area in areas], AREAS_CACHE_TTL)
        return areas

    async def active_areas(self) -> list[Area]:
        return await self.list(include_inactive=False)

    async def active_ids(self) -> list[str]:
        """Ids of the active areas, in wheel order: the cached list's, without building a row per area."""
        cached = await self.cache.get_json(_list_key(False))
        if cached is not None:
            return [item["id"] for item in cached]
        return [area.id for area in await self.list(include_inactive=False)]

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
        await self.cache.delete(_list_key(False), _list_key(True), _item_key(area_id))


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
