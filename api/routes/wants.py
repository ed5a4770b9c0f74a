"""Wants: the three exercises of the current draft, completion, history and the AI analysis (seed §6.5)."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Page, Pagination
from api.schemas.gamification_event import GamificationEventPublic
from api.schemas.wants import (
    WantsAnalysisPublic,
    WantsFutureMePublic,
    WantsFutureMeSetIn,
    WantsProgressPublic,
    WantsRawPublic,
    WantsReversePublic,
    WantsReverseUpdateIn,
    WantsStreamAppendPublic,
    WantsStreamStartPublic,
    WantsTextIn,
)
from core.validation import PageNumber

router = APIRouter(prefix="/wants", tags=["wants"], route_class=EdgeRoute)

MAX_PAGE_SIZE = 100


def _raw(raw) -> WantsRawPublic:
    return WantsRawPublic.model_validate(raw)


@router.post("/raw", response_model=Envelope[WantsRawPublic], summary="Create the draft, or return the existing one")
async def create_raw(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(_raw(await container.wants.create_raw(user.id)))


@router.get("/raw", response_model=Envelope[WantsRawPublic],
            summary="The current draft (404 WANTS_DRAFT_NOT_FOUND when there is none)")
async def get_draft(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(_raw(await container.wants.get_draft(user.id)))


@router.post("/stream/start", response_model=Envelope[WantsStreamStartPublic],
             summary="Start the \"I want\" stream and its 10-minute timer")
async def start_stream(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(WantsStreamStartPublic.model_validate(await container.wants.start_stream(user.id)))


@router.post("/stream/append", response_model=Envelope[WantsStreamAppendPublic],
             summary="Add a thought to the stream; `стоп`/`stop` ends it")
async def append_stream(body: WantsTextIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.wants.append_stream(user.id, body.text)
    return Envelope.success(WantsStreamAppendPublic.model_validate(result))


@router.post("/stream/finish", response_model=Envelope[WantsStreamStartPublic], summary="End the stream now")
async def finish_stream(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(WantsStreamStartPublic.model_validate(await container.wants.finish_stream(user.id)))


@router.put("/future-me", response_model=Envelope[WantsFutureMePublic], summary="Replace the \"I am 40\" text")
async def set_future_me(body: WantsFutureMeSetIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(WantsFutureMePublic.model_validate(await container.wants.set_future_me(user.id, body.text)))


@router.post("/future-me/append", response_model=Envelope[WantsFutureMePublic],
             summary="Add a chunk to the \"I am 40\" text")
async def append_future_me(body: WantsTextIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    raw = await container.wants.append_future_me(user.id, body.text)
    return Envelope.success(WantsFutureMePublic.model_validate(raw))


@router.post("/future-me/finish", response_model=Envelope[WantsFutureMePublic],
             summary="Mark \"I am 40\" as done")
async def finish_future_me(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(WantsFutureMePublic.model_validate(await container.wants.finish_future_me(user.id)))


@router.put("/reverse", response_model=Envelope[WantsReversePublic],
            summary="Save any of the three reverse answers; completed when all three are filled")
async def update_reverse(body: WantsReverseUpdateIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    raw = await container.wants.update_reverse(user.id, body.model_dump(exclude_unset=True))
    return Envelope.success(WantsReversePublic.model_validate(raw))


@router.get("/progress", response_model=Envelope[WantsProgressPublic],
            summary="Checklist of the three exercises (no long texts)")
async def progress(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(WantsProgressPublic.model_validate(await container.wants.progress(user.id)))


@router.post("/complete", response_model=Envelope[WantsRawPublic],
             summary="Finalize the draft (422 WANTS_RAW_NOT_READY lists what is missing)")
async def complete(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(_raw(await container.wants.complete(user.id)))


@router.post("/analyze", response_model=Envelope[WantsAnalysisPublic],
             summary="AI analysis of the latest completed record (uses one text unit)")
async def analyze(user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.wants.analyze(user)
    public = WantsAnalysisPublic.model_validate(result.analysis).model_copy(update={
        "gamification_event": (GamificationEventPublic.model_validate(result.gamification_event)
                               if result.gamification_event else None),
    })
    return Envelope.success(public)


@router.get("/analysis", response_model=Envelope[WantsAnalysisPublic | None],
            summary="The latest saved analysis, or null")
async def latest_analysis(user: CurrentUser, container: ContainerDep) -> Envelope:
    analysis = await container.wants.latest_analysis(user.id)
    return Envelope.success(WantsAnalysisPublic.model_validate(analysis) if analysis else None)


@router.get("/history", response_model=Envelope[Page[WantsRawPublic]], summary="Completed records, newest first")
async def history(
    user: CurrentUser,
    container: ContainerDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Envelope:
    items, total = await container.wants.history(user.id, page=page, page_size=page_size)
    return Envelope.success({"items": [_raw(raw) for raw in items]},
                            pagination=Pagination.of(page=page, page_size=page_size, total=total))


@router.get("/raw/{raw_id}", response_model=Envelope[WantsRawPublic],
            summary="One completed record (404 WANTS_RAW_NOT_FOUND)")
async def get_raw(raw_id: uuid.UUID, user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(_raw(await container.wants.get_raw(user.id, raw_id)))
