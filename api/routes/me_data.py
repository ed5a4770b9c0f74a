"""Your data, yours: GET /api/v1/me/export and DELETE /api/v1/me (the rest of /me lives in me.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from api.deps import ContainerDep, CurrentUser, PrincipalDep
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.schemas.me_data import DeleteMeRequest, DeletionResult, ExportDocument

router = APIRouter(prefix="/me", tags=["me"], route_class=EdgeRoute)


@router.get("/export", response_model=Envelope[ExportDocument],
            summary="Everything Mechta holds about you, as one JSON document (secrets left out)")
async def export_my_data(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(await container.data_rights.export(user.id))


@router.delete("", response_model=Envelope[DeletionResult],
               summary="Delete the account and every piece of its data; needs the password or a fresh sign-in")
async def delete_me(principal: PrincipalDep, container: ContainerDep,
                    body: Annotated[DeleteMeRequest | None, Body()] = None) -> Envelope:
    summary = await container.data_rights.delete_account(
        principal.user.id, signed_in_at=principal.session.created_at, password=body.password if body else None)
    return Envelope.success(DeletionResult.of(summary))
