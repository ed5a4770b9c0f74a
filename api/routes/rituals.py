"""Rituals: today's status with the weekly-review interception, journal entries, the weekly review and plan."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.routes.gamification import event_out
from api.schemas.rituals import (
    JournalEntryIn,
    JournalEntryOut,
    JournalEntryPublic,
    RitualsTodayPublic,
    WeeklyAnalyzeIn,
    WeeklyCommitIn,
    WeeklyReviewOut,
)
from api.schemas.steps import StepPublic

router = APIRouter(prefix="/rituals", tags=["rituals"], route_class=EdgeRoute)


@router.get("/today", response_model=Envelope[RitualsTodayPublic],
            summary="Today's rituals (local day) and the weekly-review interception")
async def today(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(RitualsTodayPublic.model_validate(await container.rituals.today(user.id)))


@router.post("/entry", response_model=Envelope[JournalEntryOut], summary="Save the morning or evening ritual")
async def entry(body: JournalEntryIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.rituals.add_entry(user.id, entry_type=body.type, answers=body.answers,
                                               mood_score=body.mood_score, energy_score=body.energy_score,
                                               for_date=body.for_date)
    return Envelope.success(JournalEntryOut(**JournalEntryPublic.model_validate(result.entry).model_dump(),
                                            gamification_event=event_out(result.gamification_event),
                                            streak_days=result.streak_days))


@router.post("/weekly/analyze", response_model=Envelope[WeeklyReviewOut],
             summary="AI review of the week with your reflection (one text-quota unit)")
async def weekly_analyze(body: WeeklyAnalyzeIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.rituals.analyze_week(user.id, body.user_reflection)
    review = result.review
    return Envelope.success(WeeklyReviewOut(
        id=review.id, week_start=review.week_start, status=review.status, reflection=review.reflection,
        ai_analysis=review.ai_analysis, created_at=review.created_at,
        gamification_event=event_out(result.gamification_event)))


@router.get("/weekly/plan-suggestion", response_model=Envelope[list[StepPublic]],
            summary="Steps to plan next week from: undated quarter/month steps and this week's unfinished ones")
async def plan_suggestion(user: CurrentUser, container: ContainerDep) -> Envelope:
    steps = await container.rituals.plan_suggestion(user.id)
    return Envelope.success([StepPublic.model_validate(s) for s in steps])


@router.post("/weekly/commit", response_model=Envelope[list[StepPublic]],
             summary="Plan the chosen steps over next week")
async def weekly_commit(body: WeeklyCommitIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    steps = await container.rituals.commit_week(user.id, body.next_week_step_ids)
    return Envelope.success([StepPublic.model_validate(s) for s in steps])
