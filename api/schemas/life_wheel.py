"""Shapes of life wheel entries."""
from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class LifeWheelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, StrictInt] = Field(description="area id → score 0..10", examples=[{"health": 7, "career": 5}])
    note: str | None = Field(None, description="Up to 2000 characters")
    area_notes: dict[str, str] = Field(default_factory=dict, description="area id → a short note (≤ 500 chars)")


class LifeWheelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scores: dict[str, int]
    note: str | None
    area_notes: dict[str, str]
    created_at: datetime
