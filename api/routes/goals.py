"""Goals: AI proposals, batch save, list, edit (done pays XP) and delete — always the caller's own."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.routes.gamification import event_out
from api.schemas.goals import (
    GoalChangeOut,
    GoalIn,
    GoalPublic,
    GoalsBatchIn,
    GoalsBatchOut,
    GoalsGenerateIn,
    GoalsProposalPublic,
    GoalStatus,
    Horizon,
)

router = APIRouter(prefix="/goals", tags=["goals"], route_class=EdgeRoute)


@router.post("/generate", response_model=Envelope[GoalsProposalPublic],
             summary="Propose goals with AI (not saved; one text-quota unit)")
async def generate(user: CurrentUser, container: ContainerDep,
                   body: Annotated[GoalsGenerateIn | None, Body()] = None) -> Envelope:
    limits = body.limits if body and body.limits else None
    proposal = await container.goals.generate(
        user.id, max_goals=limits.max_goals if limits else 5,
        area_ids=limits.area_ids if limits else None, horizons=list(limits.horizons) if limits else None)
    return Envelope.success(GoalsProposalPublic.model_validate(proposal))


@router.post("/batch", response_model=Envelope[GoalsBatchOut], summary="Save goals")
async def batch(body: GoalsBatchIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.goals.create_batch(user.id, [goal.model_dump() for goal in body.goals])
    return Envelope.success(GoalsBatchOut(items=[GoalPublic.model_validate(g) for g in result.items],
                                          gamification_event=event_out(result.gamification_event)))


@router.get("", response_model=Envelope[list[GoalPublic]], summary="The caller's goals, optionally filtered")
async def list_goals(user: CurrentUser, container: ContainerDep, horizon: Horizon | None = Query(None),
                     status: GoalStatus | None = Query(None)) -> Envelope:
    goals = await container.goals.list(user.id, horizon=horizon, status=status)
    return Envelope.success([GoalPublic.model_validate(g) for g in goals])


@router.put("/{goal_id}", response_model=Envelope[GoalChangeOut], summary="Replace a goal (done pays XP once)")
async def update(goal_id: uuid.UUID, body: GoalIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    change = await container.goals.update(user.id, goal_id, body.model_dump())
    return Envelope.success(GoalChangeOut(**GoalPublic.model_validate(change.goal).model_dump(),
                                          gamification_event=event_out(change.gamification_event)))


@router.delete("/{goal_id}", response_model=Envelope[Success], summary="Delete a goal and its steps")
async def delete(goal_id: uuid.UUID, user: CurrentUser, container: ContainerDep) -> Envelope:
    await container.goals.delete(user.id, goal_id)
    return Envelope.success(Success())
