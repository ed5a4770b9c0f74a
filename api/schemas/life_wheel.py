"""Shapes of life wheel entries."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema

# The range is checked by the core (its own error code); the schema states it.
Score = Annotated[StrictInt, WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 10})]


class LifeWheelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, Score] = Field(description="area id → score 0..10; at least one area (an empty object is "
                                                "400 LIFE_WHEEL_EMPTY_SCORES)",
                                     examples=[{"health": 7, "career": 5}], json_schema_extra={"minProperties": 1})
    note: str | None = Field(None, description="Up to 2000 characters")
    area_notes: dict[str, str] = Field(default_factory=dict, description="area id → a short note (≤ 500 chars)")


class LifeWheelPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scores: dict[str, int]
    note: str | None
    area_notes: dict[str, str]
    created_at: datetime
