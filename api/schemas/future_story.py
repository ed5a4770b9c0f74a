"""Shapes of the future-story interview and stories."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.gamification_event import GamificationEventPublic
from core.services.future_story import MAX_ANSWER_CHARS, MAX_PARAGRAPH_CHARS, MAX_QUESTION_CHARS, MAX_STORY_CHARS


class FutureStoryQuestion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area_id: str
    title: str
    emoji: str
    question: str


class FutureStoryDraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area_id: str = Field(max_length=40)
    question: str | None = Field(None, max_length=MAX_QUESTION_CHARS,
                                 description="The question asked; ours in the user's language when omitted")
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


class FutureStoryDraftPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    area_id: str
    question: str
    answer: str
    created_at: datetime
    updated_at: datetime


class AreaParagraphPublic(BaseModel):
    area_id: str = Field(max_length=40)
    title: str = Field("", max_length=200)
    paragraph: str = Field(min_length=1, max_length=MAX_PARAGRAPH_CHARS)


class StoryImagePublic(BaseModel):
    title: str
    dall_e_prompt: str


class FutureStoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    full_text_3y: str
    full_text_5y: str
    by_area_3y: list[AreaParagraphPublic]
    by_area_5y: list[AreaParagraphPublic]
    images: dict[str, StoryImagePublic] = Field(description="image_key → scene title and picture prompt")
    generated_by: Literal["openai", "offline"]
    created_at: datetime
    updated_at: datetime
    gamification_event: GamificationEventPublic | None = None


class FutureStoryUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A plain string on purpose: an unknown horizon is the seed's 400 FUTURE_STORY_INVALID_HORIZON, not a 422.
    horizon: str = Field(max_length=10, description="\"3y\" or \"5y\"")
    full_text: str = Field(min_length=1, max_length=MAX_STORY_CHARS)
    by_area: list[AreaParagraphPublic] = Field(default_factory=list, max_length=50)
