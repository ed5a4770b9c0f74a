"""Shapes of steps: proposals, input, output, the cascade."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.gamification import GamificationEventPublic
from core.validation import BoundedDate

Level = Literal["year", "quarter", "month", "week", "day"]
StepStatus = Literal["planned", "in_progress", "done", "skipped"]


class LoadHint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes_per_day: int | None = Field(None, ge=5, le=720, description="Time the user can give a day")
    notes: str | None = Field(None, max_length=500)


class YearBounds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> YearBounds:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class StepsGenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal_ids: list[uuid.UUID] = Field(min_length=1, max_length=10)
    current_load_hint: LoadHint | None = None
    year_bounds: YearBounds | None = Field(None, description="Planning window; default: a year from today")


class ProposedStepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    parent_key: str | None
    goal_id: uuid.UUID
    title: str
    level: Level
    planned_date: date | None
    estimated_minutes: int | None
    priority: int


class StepsProposalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    steps: list[ProposedStepPublic]
    generated_by: str
    notice: str | None


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal_id: uuid.UUID
    title: str = Field(min_length=1, max_length=300)
    level: Level
    status: StepStatus = "planned"
    planned_date: BoundedDate | None = Field(None, description="Local date, from a year ago to ten years ahead")
    parent_id: uuid.UUID | None = Field(None, description="A wider-level step of the same goal")
    estimated_minutes: int | None = Field(None, ge=1, le=1440)
    priority: int = Field(2, ge=1, le=3, description="1 important, 2 normal, 3 can wait")


class StepBatchItem(StepIn):
    key: str | None = Field(None, min_length=1, max_length=40, description="Name of this step within the batch")
    parent_key: str | None = Field(None, min_length=1, max_length=40,
                                   description="`key` of this step's parent within the same batch")


class StepsBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[StepBatchItem] = Field(min_length=1, max_length=200)


class StepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    goal_id: uuid.UUID
    parent_id: uuid.UUID | None
    title: str
    level: str
    status: str
    planned_date: date | None
    estimated_minutes: int | None
    priority: int
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class StepChangeOut(StepPublic):
    gamification_event: GamificationEventPublic | None
