"""Shape of the day's energy."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class MoonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    phase: str = Field(description="new_moon, waxing_crescent, first_quarter, waxing_gibbous, full_moon, "
                                   "waning_gibbous, last_quarter, waning_crescent")
    name: str
    emoji: str
    age_days: float
    illumination: int = Field(description="Percent of the disc lit, 0..100")


class NumerologyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    life_path: int
    personal_day: int


class DailyTipPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    text: str
    source: str = Field(description="static (no date of birth), ai or offline")


class DailyEnergyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: date
    moon: MoonPublic
    numerology: NumerologyPublic | None
    daily_ai_tip: DailyTipPublic
