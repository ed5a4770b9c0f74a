"""Shapes of story pictures."""
from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.gamification_event import GamificationEventPublic


class VisualGenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    story_id: uuid.UUID
    image_key: str = Field(min_length=1, max_length=64)


class VisualRegenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: uuid.UUID


class VisualAssetPublic(BaseModel):
    id: uuid.UUID
    story_id: uuid.UUID
    image_key: str
    prompt: str
    url: str = Field(description="Signed link to the PNG, valid for 24 hours (works in <img>); "
                                 "GET /visuals/files/{id} with a Bearer token works too")
    created_at: datetime
    updated_at: datetime


class VisualGeneratedPublic(VisualAssetPublic):
    gamification_event: GamificationEventPublic | None = None
