"""Shapes of goals: proposals, input, output."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.gamification import GamificationEventPublic

Horizon = Literal["3m", "1y", "3y", "5y"]
GoalStatus = Literal["active", "done", "dropped"]


class GoalsLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_goals: int = Field(5, ge=1, le=10)
    area_ids: list[str] = Field(default_factory=list, max_length=20, description="Only these life areas")
    horizons: list[Horizon] = Field(default_factory=list, max_length=4, description="Only these horizons")


class GoalsGenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limits: GoalsLimits | None = None


class ProposedGoalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    title: str
    description: str
    area_id: str | None
    horizon: Horizon
    metric: str | None
    why: str | None


class GoalsProposalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    goals: list[ProposedGoalPublic]
    generated_by: str
    notice: str | None


class GoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    area_id: str | None = Field(None, max_length=40)
    horizon: Horizon = Field(description="3m = three months, 1y, 3y, 5y")
    metric: str | None = Field(None, max_length=300)
    why: str | None = Field(None, max_length=1000)
    status: GoalStatus = Field("active", description="active → done (pays XP once) or dropped")


class GoalsBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goals: list[GoalIn] = Field(min_length=1, max_length=20)


class GoalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    area_id: str | None
    horizon: str
    metric: str | None
    why: str | None
    status: str
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime



class GoalsBatchOut(BaseModel):
    items: list[GoalPublic]
    gamification_event: GamificationEventPublic | None


class GoalChangeOut(GoalPublic):
    gamification_event: GamificationEventPublic | None
