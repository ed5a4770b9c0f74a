"""Life areas: everyone reads them, administrators edit them."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from api.deps import AdminUser, ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.schemas.areas import AreaCreate, AreaList, AreaPublic, AreaUpdate
from core.services.users import locale_from_language_code

router = APIRouter(prefix="/areas", tags=["areas"], route_class=EdgeRoute)


async def reader_locale(
    container: ContainerDep,
    authorization: Annotated[str | None, Header(description="Optional: Bearer <access_token>")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """The signed-in reader's locale; for anonymous readers the first Accept-Language tag, English by default."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        principal = await container.auth.authenticate_access_token(token.strip())
        return principal.user.locale
    first_tag = (accept_language or "").split(",")[0].split(";")[0].strip()
    return locale_from_language_code(first_tag)


ReaderLocale = Annotated[str, Depends(reader_locale)]


@router.get("", response_model=Envelope[AreaList], summary="Life areas in wheel order")
async def list_areas(user: CurrentUser, container: ContainerDep, include_inactive: bool = False) -> Envelope:
    areas = await container.areas.list(include_inactive=include_inactive)
    return Envelope.success({"items": [AreaPublic.of(area, user.locale) for area in areas]})


@router.get("/{area_id}", response_model=Envelope[AreaPublic], summary="One life area (no sign-in needed)")
async def get_area(area_id: str, locale: ReaderLocale, container: ContainerDep) -> Envelope:
    return Envelope.success(AreaPublic.of(await container.areas.get(area_id), locale))


@router.post("", response_model=Envelope[AreaPublic], summary="Create a life area (administrators)")
async def create_area(body: AreaCreate, admin: AdminUser, container: ContainerDep) -> Envelope:
    area = await container.areas.create(body.id, body.model_dump(exclude={"id"}, exclude_none=True))
    return Envelope.success(AreaPublic.of(area, admin.locale))


@router.put("/{area_id}", response_model=Envelope[AreaPublic], summary="Change a life area (administrators)")
async def update_area(area_id: str, body: AreaUpdate, admin: AdminUser, container: ContainerDep) -> Envelope:
    area = await container.areas.update(area_id, body.model_dump(exclude_unset=True))
    return Envelope.success(AreaPublic.of(area, admin.locale))


@router.delete("/{area_id}", response_model=Envelope[AreaPublic],
               summary="Deactivate a life area (soft delete, administrators)")
async def delete_area(area_id: str, admin: AdminUser, container: ContainerDep) -> Envelope:
    area = await container.areas.deactivate(area_id)
    return Envelope.success(AreaPublic.of(area, admin.locale))
