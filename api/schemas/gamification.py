"""Shapes of XP events, the gamification profile, achievements and the leaderboard."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class GamificationEventPublic(BaseModel):
    """XP just paid for an action; null in a response when the action had already been rewarded."""

    model_config = ConfigDict(from_attributes=True)

    reason: str
    xp: int
    total_xp: int
    level: int
    level_up: bool
    new_achievements: list[str]


class GamificationProfilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    level: int = Field(description="Derived from XP: level L is reached at 25·(L−1)·L XP")
    xp: int
    xp_to_next_level: int
    streak_days: int = Field(description="Consecutive local days with a ritual, ending today or yesterday")
    best_streak: int


class AchievementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    title: str
    description: str
    is_obtained: bool
    obtained_at: datetime | None


class LeaderboardEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    display_name: str
    level: int
    xp: int
    is_me: bool


class LeaderboardOptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opt_in: bool
    display_name: str | None = Field(None, max_length=100, description="Shown on the board (trimmed to 40 chars)")


class LeaderboardSettingsPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    opt_in: bool
    display_name: str | None
