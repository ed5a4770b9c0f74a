"""The signed-in user's profile, plan and AI usage."""
from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, envelope_response
from api.schemas.me import MePublic, UserUpdate

router = APIRouter(prefix="/me", tags=["me"], route_class=EdgeRoute)


@router.get("", response_model=Envelope[MePublic], summary="The current user, their plan and this month's AI usage")
async def get_me(user: CurrentUser, container: ContainerDep) -> Response:
    return envelope_response(MePublic.of(await container.profile.me(user)))


@router.put("", response_model=Envelope[MePublic], summary="Change the profile (only the fields sent)")
async def update_me(body: UserUpdate, user: CurrentUser, container: ContainerDep) -> Response:
    view = await container.profile.update(user.id, body.model_dump(exclude_unset=True))
    return envelope_response(MePublic.of(view))
