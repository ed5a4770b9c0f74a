"""Shapes of life areas."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.db.models import Area


class AreaPublic(BaseModel):
    id: str
    title: str = Field(description="The title in the reader's locale")
    title_ru: str
    title_en: str
    description_ru: str
    description_en: str
    emoji: str
    order_index: int
    is_active: bool

    @classmethod
    def of(cls, area: Area, locale: str) -> AreaPublic:
        return cls(id=area.id, title=area.title(locale), title_ru=area.title_ru, title_en=area.title_en,
                   description_ru=area.description_ru, description_en=area.description_en, emoji=area.emoji,
                   order_index=area.order_index, is_active=area.is_active)


class AreaList(BaseModel):
    items: list[AreaPublic]


class AreaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable slug: 2-40 of a-z, 0-9, _, starting with a letter", examples=["sport"])
    title_ru: str
    title_en: str
    description_ru: str = ""
    description_en: str = ""
    emoji: str = ""
    order_index: int | None = Field(None, description="Position in the wheel; last when omitted")
    is_active: bool = True


class AreaUpdate(BaseModel):
    """Send only the fields to change."""

    model_config = ConfigDict(extra="forbid")

    title_ru: str | None = None
    title_en: str | None = None
    description_ru: str | None = None
    description_en: str | None = None
    emoji: str | None = None
    order_index: int | None = None
    is_active: bool | None = None
