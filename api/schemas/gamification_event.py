"""The XP event some actions return (seed: `gamification_event`)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class GamificationEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reason: str
    xp: int
    total_xp: int
    level: int
    level_up: bool
    new_achievements: list[str]
