"""PUT /api/v1/me/password: change the password knowing the current one (the rest of /me lives in me.py)."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContainerDep, PrincipalDep
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.schemas.auth import ChangePasswordRequest

router = APIRouter(prefix="/me", tags=["me"], route_class=EdgeRoute)


@router.put("/password", response_model=Envelope[Success],
            summary="Change the password; every session ends, this one included")
async def change_password(body: ChangePasswordRequest, principal: PrincipalDep, container: ContainerDep) -> Envelope:
    await container.auth.change_password(principal.user.id, body.current_password, body.new_password)
    return Envelope.success(Success())
