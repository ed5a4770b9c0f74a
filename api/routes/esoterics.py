"""The day's energy: moon phase, numerology and the tip of the day."""
from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.schemas.esoterics import DailyEnergyPublic
from core.validation import BoundedDate

router = APIRouter(prefix="/esoterics", tags=["esoterics"], route_class=EdgeRoute)


@router.get("/today", response_model=Envelope[DailyEnergyPublic], summary="The day's energy (default: local today)")
async def today(user: CurrentUser, container: ContainerDep,
                on_date: BoundedDate | None = Query(None, alias="date", description="YYYY-MM-DD")) -> Envelope:
    return Envelope.success(DailyEnergyPublic.model_validate(await container.esoterics.today(user.id, on_date)))
