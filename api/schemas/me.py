"""Shapes of /me: the user, their plan and this month's AI usage."""
from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from api.schemas.users import UserPublic
from core.services.profile import MeView
from core.validation import BoundedDate

LocalTimeIn = Annotated[time, WithJsonSchema(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "examples": ["07:30"]},
    mode="validation")]


class ResourceUsagePublic(BaseModel):
    used: int
    limit: int


class UsagePublic(BaseModel):
    text: ResourceUsagePublic
    image: ResourceUsagePublic


class MePublic(BaseModel):
    user: UserPublic
    plan: str = Field(description="free | pro")
    usage: UsagePublic = Field(description="AI units used this calendar month (in the user's time zone)")

    @classmethod
    def of(cls, view: MeView) -> MePublic:
        return cls(user=UserPublic.of(view.user), plan=view.plan, usage=UsagePublic.model_validate(view.usage))


class UserUpdate(BaseModel):
    """Send only the fields to change; `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    display_name: str | None = Field(None, max_length=100)
    gender: str | None = Field(None, max_length=20)
    life_format: str | None = Field(None, max_length=50)
    locale: Literal["ru", "en"] | None = None
    time_zone: str | None = Field(None, max_length=64, description="IANA name, e.g. Europe/Moscow")
    date_of_birth: BoundedDate | None = None
    morning_time: LocalTimeIn | None = Field(None, description="HH:MM, the user's local time")
    evening_time: LocalTimeIn | None = Field(None, description="HH:MM, the user's local time")
