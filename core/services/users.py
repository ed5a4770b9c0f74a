"""Users: profile reads and changes, Telegram users resolved on first contact."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.db.engine import Database
from core.db.models import User
from core.db.models.user import LOCALES
from core.errors import NotFound, Unprocessable
from core.repositories.users import UserRepository
from core.services.prompts_delivery import recompute_next_runs


@dataclass(frozen=True)
class TelegramProfile:
    telegram_id: int
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    language_code: str | None = None


def locale_from_language_code(language_code: str | None) -> str:
    """Russian for ru/uk/be/kk speakers, English for everyone else."""
    code = (language_code or "").split("-")[0].lower()
    return "ru" if code in {"ru", "uk", "be", "kk"} else "en"


def validate_time_zone(name: str) -> str:
    name = (name or "").strip()
    if name.upper() == "UTC":
        return "UTC"
    if name not in _zones():
        raise Unprocessable("USER_INVALID_TIME_ZONE", "Unknown time zone; use an IANA name like Europe/Moscow.",
                            fields={"time_zone": ["Unknown IANA time zone"]})
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable("USER_INVALID_TIME_ZONE", "Unknown time zone.", fields={"time_zone": [str(exc)]}) from exc
    return name


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


# Column lengths of the short text fields that are not 100 characters long (see core/db/models/user.py).
TEXT_FIELD_LENGTHS = {"gender": 20, "life_format": 50}

RITUAL_TIMING_FIELDS = {"time_zone", "morning_time", "evening_time"}

# Fields a user may change on their own profile (bot settings and PUT /me share this list).
PROFILE_FIELDS = {"first_name", "last_name", "display_name", "gender", "life_format", "locale", "time_zone",
                  "date_of_birth", "morning_time", "evening_time"}


class UserService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, user_id: uuid.UUID) -> User:
        async with self.db.read() as session:
            user = await UserRepository(session).get(user_id)
        if user is None:
            raise NotFound("USER_NOT_FOUND", "User not found.")
        return user

    async def resolve_telegram_user(self, profile: TelegramProfile) -> tuple[User, bool]:
        """The Mechta user behind a Telegram account, created on first contact. Returns (user, created)."""
        async with self.db.transaction() as session:
            repo = UserRepository(session)
            user = await repo.by_telegram_id(profile.telegram_id)
            if user is not None:
                if profile.username != user.telegram_username:
                    user.telegram_username = profile.username
                return user, False
        try:
            async with self.db.transaction() as session:
                user = UserRepository(session).add(User(
                    telegram_id=profile.telegram_id,
                    telegram_username=profile.username,
                    first_name=(profile.first_name or "")[:100] or None,
                    last_name=(profile.last_name or "")[:100] or None,
                    locale=locale_from_language_code(profile.language_code),
                ))
            return user, True
        except IntegrityError:
            # Two updates from a new user raced; the other one created the row.
            async with self.db.read() as session:
                user = await UserRepository(session).by_telegram_id(profile.telegram_id)
            assert user is not None
            return user, False

    async def update_profile(self, user_id: uuid.UUID, changes: dict[str, Any]) -> User:
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise Unprocessable(fields={name: ["This field cannot be changed"] for name in sorted(unknown)})
        cleaned = _validate_profile(changes, today=self.clock.now().date())
        async with self.db.transaction() as session:
            user = await UserRepository(session).get(user_id, for_update=True)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            for name, value in cleaned.items():
                setattr(user, name, value)
            if cleaned.keys() & RITUAL_TIMING_FIELDS:
                # Ritual times are local: a new zone or time moves the next prompts, in this same transaction.
                recompute_next_runs(user, self.clock.now())
        return user

    async def mark_onboarded(self, user_id: uuid.UUID) -> User:
        async with self.db.transaction() as session:
            user = await UserRepository(session).get(user_id, for_update=True)
            if user is None:
                raise NotFound("USER_NOT_FOUND", "User not found.")
            if user.onboarded_at is None:
                user.onboarded_at = self.clock.now()
        return user


def _validate_profile(changes: dict[str, Any], *, today: date) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name == "locale":
            if value not in LOCALES:
                errors[name] = [f"Use one of: {', '.join(LOCALES)}"]
                continue
        elif name == "time_zone":
            try:
                value = validate_time_zone(value)
            except Unprocessable:
                errors[name] = ["Unknown IANA time zone"]
                continue
        elif name == "date_of_birth" and value is not None:
            if not isinstance(value, date) or value > today or value.year < today.year - 120:
                errors[name] = ["Date of birth must be a real past date"]
                continue
        elif name in {"morning_time", "evening_time"}:
            if not isinstance(value, time):
                errors[name] = ["Use a time like 07:30"]
                continue
            value = value.replace(second=0, microsecond=0, tzinfo=None)
        elif isinstance(value, str):
            value = value.strip()[:TEXT_FIELD_LENGTHS.get(name, 100)] or None
        cleaned[name] = value
    if errors:
        raise Unprocessable(fields=errors)
    return cleaned
