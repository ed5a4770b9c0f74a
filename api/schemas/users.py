"""Public shapes of a user (shared by auth and /me)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

HH_MM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# A local wall-clock time is answered as "HH:MM" (not "08:00:00", which JSON Schema's `format: time` refuses
# without an offset).
LocalTimeOut = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": HH_MM_PATTERN, "examples": ["08:00"]}, mode="serialization"),
]


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str | None
    telegram_id: int | None
    telegram_username: str | None
    first_name: str | None
    last_name: str | None
    display_name: str | None
    gender: str | None
    life_format: str | None
    locale: str
    time_zone: str
    date_of_birth: date | None
    morning_time: LocalTimeOut
    evening_time: LocalTimeOut
    plan: str
    is_admin: bool
    is_active: bool
    email_verified: bool
    onboarded: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user) -> UserPublic:
        return cls.model_validate({
            **{name: getattr(user, name) for name in cls.model_fields if hasattr(user, name)},
            "email_verified": user.email_verified_at is not None,
            "onboarded": user.onboarded_at is not None,
        })
