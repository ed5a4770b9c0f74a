"""Visuals: pictures for future-story scenes, the gallery and the files themselves (seed §6.10)."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope
from api.schemas.gamification_event import GamificationEventPublic
from api.schemas.visuals import VisualAssetPublic, VisualGeneratedPublic, VisualGenerateIn, VisualRegenerateIn
from core.bootstrap import Container
from core.db.models import VisualAsset
from core.errors import Unauthorized

router = APIRouter(prefix="/visuals", tags=["visuals"], route_class=EdgeRoute)

# The file endpoint also takes signed links, so a missing token is not an error by itself there.
_optional_bearer = HTTPBearer(auto_error=False)


def _public(container: Container, asset: VisualAsset) -> VisualAssetPublic:
    return VisualAssetPublic(id=asset.id, story_id=asset.story_id, image_key=asset.image_key, prompt=asset.prompt,
                             url=container.visuals.signed_url(asset), created_at=asset.created_at,
                             updated_at=asset.updated_at)


@router.post("/generate-story-image", response_model=Envelope[VisualGeneratedPublic],
             summary="Make a picture for one scene of a story (uses one image unit)")
async def generate_story_image(body: VisualGenerateIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    result = await container.visuals.generate_story_image(user, body.story_id, body.image_key)
    event = result.gamification_event
    return Envelope.success(VisualGeneratedPublic(
        **_public(container, result.asset).model_dump(),
        gamification_event=GamificationEventPublic.model_validate(event) if event else None,
    ))


@router.get("/story-gallery/{story_id}", response_model=Envelope[list[VisualAssetPublic]],
            summary="The pictures of a story")
async def story_gallery(story_id: uuid.UUID, user: CurrentUser, container: ContainerDep) -> Envelope:
    assets = await container.visuals.gallery(user.id, story_id)
    return Envelope.success([_public(container, asset) for asset in assets])


@router.post("/regenerate", response_model=Envelope[VisualAssetPublic],
             summary="Replace a picture with a new one (uses one image unit)")
async def regenerate(body: VisualRegenerateIn, user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(_public(container, await container.visuals.regenerate(user, body.asset_id)))


@router.get("/files/{asset_id}", response_class=FileResponse,
            responses={200: {"content": {"image/png": {}}}},
            summary="The PNG: for its owner (Bearer token) or through a signed link (?exp=&sig=)")
async def file(
    asset_id: uuid.UUID,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    exp: Annotated[int | None, Query()] = None,
    sig: Annotated[str | None, Query(max_length=100)] = None,
) -> FileResponse:
    if exp is not None and sig:
        path = await container.visuals.file_for_signed_link(asset_id, exp, sig)
    else:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise Unauthorized("AUTH_UNAUTHORIZED", "Send Authorization: Bearer <access_token> or use a signed link.")
        principal = await container.auth.authenticate_access_token(credentials.credentials)
        path = await container.visuals.file_for_owner(principal.user.id, asset_id)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600",
                                                               "X-Content-Type-Options": "nosniff"})
