"""Shapes of rituals: today's status, journal entries, the weekly review and next week's plan."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.gamification import GamificationEventPublic
from core.validation import BoundedDate


class JournalEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["morning", "evening"]
    answers: dict[str, Any] = Field(default_factory=dict, description="Flat object: text, numbers or short lists")
    mood_score: int | None = Field(None, ge=1, le=10)
    energy_score: int | None = Field(None, ge=1, le=10)
    for_date: BoundedDate | None = Field(
        None, description="The local day the prompt was for: today, or yesterday for an evening entry. Default: "
                          "today; an evening entry before 04:00 local time counts for yesterday")


class JournalEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: str
    local_date: date
    answers: dict[str, Any]
    mood_score: int | None
    energy_score: int | None
    created_at: datetime


class JournalEntryOut(JournalEntryPublic):
    gamification_event: GamificationEventPublic | None
    streak_days: int


class InterceptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    type: Literal["force_review", "fresh_start"]
    week_start: date
    week_end: date
    days_overdue: int


class RitualsTodayPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: date
    morning_done: bool
    evening_done: bool
    entries: list[JournalEntryPublic]
    interception: InterceptionPublic | None


class WeeklyAnalyzeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_reflection: str = Field(min_length=1, max_length=5000)


class WeeklyReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    week_start: date
    status: str
    reflection: str | None
    ai_analysis: dict[str, Any] | None
    created_at: datetime
    gamification_event: GamificationEventPublic | None


class WeeklyCommitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    next_week_step_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
