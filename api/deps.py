"""Annotated dependencies shared by the routes."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.bootstrap import Container
from core.db.models import User
from core.errors import Forbidden, Unauthorized
from core.services.auth import Principal

_bearer = HTTPBearer(auto_error=False,
                     description="Access token from /auth/signin or /auth/check-email-verification-code")


def get_container_of(request: Request) -> Container:
    return request.app.state.container


async def get_container(request: Request) -> Container:
    return get_container_of(request)


ContainerDep = Annotated[Container, Depends(get_container)]


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _access_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("AUTH_UNAUTHORIZED", "Send Authorization: Bearer <access_token>.")
    return credentials.credentials


# The container straight from the app, not through ContainerDep: every request passes here, and each dependency
# FastAPI resolves costs time.

async def get_principal(request: Request, credentials: BearerCredentials) -> Principal:
    return await get_container_of(request).auth.authenticate_access_token(_access_token(credentials))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_current_user(request: Request, credentials: BearerCredentials) -> User:
    # Not through PrincipalDep: one dependency level less on nearly every request, and no session object built.
    return await get_container_of(request).auth.access_token_user(_access_token(credentials))


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("AUTH_FORBIDDEN", "Only administrators can do this.")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
