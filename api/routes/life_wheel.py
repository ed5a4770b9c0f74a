"""The life wheel: new entries, the latest one and the history (always the caller's own)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Page, Pagination, envelope_response
from api.schemas.life_wheel import LifeWheelCreate, LifeWheelPublic
from core.services.wheel import MAX_PAGE_SIZE
from core.validation import PageNumber

router = APIRouter(prefix="/life_wheel", tags=["life_wheel"], route_class=EdgeRoute)


@router.post("", response_model=Envelope[LifeWheelPublic], summary="Save a new life wheel entry")
async def create_entry(body: LifeWheelCreate, user: CurrentUser, container: ContainerDep) -> Response:
    entry = await container.wheel.create(user.id, body.scores, note=body.note, area_notes=body.area_notes,
                                         time_zone=user.time_zone)
    return envelope_response(LifeWheelPublic.model_validate(entry))


@router.get("/latest", response_model=Envelope[LifeWheelPublic | None],
            summary="The latest entry, or null when there is none yet")
async def latest_entry(user: CurrentUser, container: ContainerDep) -> Response:
    entry = await container.wheel.latest(user.id)
    return envelope_response(LifeWheelPublic.model_validate(entry) if entry else None)


@router.get("", response_model=Envelope[Page[LifeWheelPublic]], summary="History of entries, newest first")
async def list_entries(
    user: CurrentUser,
    container: ContainerDep,
    page: Annotated[PageNumber, Query()] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Envelope:
    items, total = await container.wheel.history(user.id, page, page_size)
    return Envelope.success({"items": [LifeWheelPublic.model_validate(e) for e in items]},
                            pagination=Pagination.of(page=page, page_size=page_size, total=total))
