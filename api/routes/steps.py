"""Steps: AI cascade proposals, batch save, list, edit (done pays XP) and delete — always the caller's own."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.routes.gamification import event_out
from api.schemas.steps import (
    Level,
    StepChangeOut,
    StepIn,
    StepPublic,
    StepsBatchIn,
    StepsGenerateIn,
    StepsProposalPublic,
    StepStatus,
)

router = APIRouter(prefix="/steps", tags=["steps"], route_class=EdgeRoute)


@router.post("/generate", response_model=Envelope[StepsProposalPublic],
             summary="Propose a year → day cascade for 1..10 goals (not saved; one text-quota unit)")
async def generate(body: StepsGenerateIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    load = body.current_load_hint
    proposal = await container.steps.generate(
        user.id, body.goal_ids, minutes_per_day=load.minutes_per_day if load else None,
        load_notes=load.notes if load else None,
        window_start=body.year_bounds.start if body.year_bounds else None,
        window_end=body.year_bounds.end if body.year_bounds else None)
    return Envelope.success(StepsProposalPublic.model_validate(proposal))


@router.post("/batch", response_model=Envelope[list[StepPublic]],
             summary="Save steps (parents by id or batch key); the XP for planning shows in /gamification/profile")
async def batch(body: StepsBatchIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.steps.create_batch(user.id, [step.model_dump() for step in body.steps])
    return Envelope.success([StepPublic.model_validate(s) for s in result.items])


@router.get("", response_model=Envelope[list[StepPublic]], summary="The caller's steps, optionally filtered")
async def list_steps(user: CurrentUser, container: ContainerDep, goal_id: uuid.UUID | None = Query(None),
                     level: Level | None = Query(None), status: StepStatus | None = Query(None)) -> Envelope:
    steps = await container.steps.list(user.id, goal_id=goal_id, level=level, status=status)
    return Envelope.success([StepPublic.model_validate(s) for s in steps])


@router.put("/{step_id}", response_model=Envelope[StepChangeOut], summary="Replace a step (done pays XP once)")
async def update(step_id: uuid.UUID, body: StepIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    change = await container.steps.update(user.id, step_id, body.model_dump())
    return Envelope.success(StepChangeOut(**StepPublic.model_validate(change.step).model_dump(),
                                          gamification_event=event_out(change.gamification_event)))


@router.delete("/{step_id}", response_model=Envelope[Success], summary="Delete a step (its children stay)")
async def delete(step_id: uuid.UUID, user: CurrentUser, container: ContainerDep) -> Envelope:
    await container.steps.delete(user.id, step_id)
    return Envelope.success(Success())
