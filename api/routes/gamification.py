"""Gamification: the caller's level, XP and streak, achievements, the opt-in leaderboard."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.schemas.gamification import (
    AchievementPublic,
    GamificationEventPublic,
    GamificationProfilePublic,
    LeaderboardEntryPublic,
    LeaderboardOptIn,
    LeaderboardSettingsPublic,
)
from core.services.gamification import GamificationEvent

router = APIRouter(prefix="/gamification", tags=["gamification"], route_class=EdgeRoute)


def event_out(event: GamificationEvent | None) -> GamificationEventPublic | None:
    return GamificationEventPublic.model_validate(event) if event is not None else None


@router.get("/profile", response_model=Envelope[GamificationProfilePublic], summary="Level, XP and streak")
async def profile(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(GamificationProfilePublic.model_validate(await container.gamification.profile(user.id)))


@router.get("/achievements", response_model=Envelope[list[AchievementPublic]],
            summary="Every achievement with is_obtained")
async def achievements(user: CurrentUser, container: ContainerDep) -> Envelope:
    items = await container.gamification.achievements(user.id)
    return Envelope.success([AchievementPublic.model_validate(a) for a in items])


@router.get("/leaderboard", response_model=Envelope[list[LeaderboardEntryPublic]],
            summary="Top users by XP — only those who opted in, by display name")
async def leaderboard(user: CurrentUser, container: ContainerDep,
                      limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Envelope:
    entries = await container.gamification.leaderboard(user.id, limit=limit)
    return Envelope.success([LeaderboardEntryPublic.model_validate(e) for e in entries])


@router.put("/leaderboard-opt-in", response_model=Envelope[LeaderboardSettingsPublic],
            summary="Join or leave the leaderboard (joining needs a display name)")
async def leaderboard_opt_in(body: LeaderboardOptIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.gamification.set_leaderboard_opt_in(user.id, opt_in=body.opt_in,
                                                                 display_name=body.display_name)
    return Envelope.success(LeaderboardSettingsPublic.model_validate(result))
