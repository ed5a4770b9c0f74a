"""Future story: interview questions, answers, generation and edits (seed §6.6)."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.schemas.future_story import (
    FutureStoryDraftIn,
    FutureStoryDraftPublic,
    FutureStoryPublic,
    FutureStoryQuestion,
    FutureStoryUpdateIn,
)
from api.schemas.gamification_event import GamificationEventPublic

router = APIRouter(prefix="/future-story", tags=["future-story"], route_class=EdgeRoute)


@router.get("/questions", response_model=Envelope[list[FutureStoryQuestion]],
            summary="One interview question per active life area, in wheel order")
async def questions(user: CurrentUser, container: ContainerDep) -> Envelope:
    items = await container.future_story.questions(user.locale)
    return Envelope.success([FutureStoryQuestion.model_validate(q) for q in items])


@router.get("/drafts", response_model=Envelope[list[FutureStoryDraftPublic]],
            summary="The answers saved so far, in wheel order")
async def drafts(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success([FutureStoryDraftPublic.model_validate(d)
                             for d in await container.future_story.drafts(user.id)])


@router.post("/draft", response_model=Envelope[FutureStoryDraftPublic],
             summary="Save (upsert) the answer for one area (400 FUTURE_STORY_INVALID_AREA)")
async def save_draft(body: FutureStoryDraftIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    draft = await container.future_story.save_draft(user, body.area_id, body.answer, body.question)
    return Envelope.success(FutureStoryDraftPublic.model_validate(draft))


@router.post("/generate", response_model=Envelope[FutureStoryPublic],
             summary="Generate the 3- and 5-year story from the answers (uses one text unit)")
async def generate(user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.future_story.generate(user)
    public = FutureStoryPublic.model_validate(result.story).model_copy(update={
        "gamification_event": (GamificationEventPublic.model_validate(result.gamification_event)
                               if result.gamification_event else None),
    })
    return Envelope.success(public)


@router.get("", response_model=Envelope[FutureStoryPublic | None], summary="The latest story, or null")
async def latest(user: CurrentUser, container: ContainerDep) -> Envelope:
    story = await container.future_story.latest(user.id)
    return Envelope.success(FutureStoryPublic.model_validate(story) if story else None)


@router.put("", response_model=Envelope[FutureStoryPublic], summary="Rewrite one horizon (3y or 5y) of the story")
async def update(body: FutureStoryUpdateIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    story = await container.future_story.update_horizon(
        user, body.horizon, body.full_text, [item.model_dump() for item in body.by_area])
    return Envelope.success(FutureStoryPublic.model_validate(story))
