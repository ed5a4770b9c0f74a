"""Shapes of the calendar AI chat and SMART goals."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.gamification import GamificationEventPublic
from core.services.coach import (
    CONTENT_MAX,
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    MAX_TOKENS_MAX,
    MESSAGES_MAX,
    TEMPERATURE_MAX,
)
from core.services.goals import DESCRIPTION_MAX, SMART_TEXT_MAX, TITLE_MAX
from core.validation import BoundedDateTime


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"] = Field(description="System messages are the app's own, not accepted")
    content: str = Field(min_length=1, max_length=CONTENT_MAX)


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[ChatMessageIn] = Field(min_length=1, max_length=MESSAGES_MAX,
                                          description="The conversation so far; the last message is the user's")
    max_tokens: int = Field(DEFAULT_MAX_TOKENS, ge=1, le=MAX_TOKENS_MAX, description="Upper bound of the answer")
    temperature: float = Field(DEFAULT_TEMPERATURE, ge=0, le=TEMPERATURE_MAX, strict=True,
                               description="0 precise … 2 exploratory (sets the coach's style)")
    model: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
                              description="Accepted for seed 000 clients and ignored: the server's configured model "
                                          "answers, and the answer's `model` names it")


class ChatOut(BaseModel):
    content: str
    tokens_used: int
    model: str
    created: int = Field(description="Unix time of the answer")
    generated_by: Literal["openai", "offline"]
    notice: str | None


class SmartGoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field("", max_length=DESCRIPTION_MAX)
    specific: str = Field(min_length=1, max_length=SMART_TEXT_MAX)
    measurable: str = Field(min_length=1, max_length=SMART_TEXT_MAX)
    achievable: str = Field(min_length=1, max_length=SMART_TEXT_MAX)
    relevant: str = Field(min_length=1, max_length=SMART_TEXT_MAX)
    time_bound: BoundedDateTime = Field(description="The deadline, in the future, with a time zone")
    priority: int = Field(2, ge=1, le=3, description="1 important, 2 normal, 3 can wait")


class SmartGoalOut(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    time_bound: datetime
    priority: int
    horizon: str
    status: str
    is_completed: bool
    created_at: datetime
    updated_at: datetime


class SmartGoalCreated(SmartGoalOut):
    gamification_event: GamificationEventPublic | None
