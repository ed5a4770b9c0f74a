"""Request and response shapes of /auth and PUT /me/password (seed 001 §6.1)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from api.schemas.users import UserPublic
from core.services.auth import TokenPair
from core.validation import BoundedDate

# Bounded so a huge body cannot make us hash megabytes; the real policy (8+ chars, letters and digits) is the core's.
Password = Field(min_length=1, max_length=256)


class SignupRequest(BaseModel):
    email: EmailStr = Field(max_length=320)
    password: str = Password
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    time_zone: str | None = Field(default=None, max_length=64)
    date_of_birth: BoundedDate | None = None
    gender: str | None = Field(default=None, max_length=20)
    life_format: str | None = Field(default=None, max_length=50)
    locale: Literal["ru", "en"] | None = None

    def profile(self) -> dict:
        return self.model_dump(exclude={"email", "password"}, exclude_none=True)


class SigninRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Password


class EmailRequest(BaseModel):
    email: EmailStr = Field(max_length=320)


class CheckEmailVerificationCodeRequest(BaseModel):
    verification_token: str = Field(min_length=1, max_length=256)
    code: str = Field(min_length=1, max_length=16)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class ResetPasswordRequest(BaseModel):
    token: str = Field(min_length=1, max_length=256)
    new_password: str = Password


class ChangePasswordRequest(BaseModel):
    current_password: str = Password
    new_password: str = Password


class TelegramAuthRequest(BaseModel):
    telegram_id: int = Field(gt=0, lt=2**63)
    username: str | None = Field(default=None, max_length=64)
    first_name: str | None = Field(default=None, max_length=256)
    last_name: str | None = Field(default=None, max_length=256)
    photo_url: str | None = Field(default=None, max_length=2048)
    language_code: str | None = Field(default=None, max_length=16)


class TelegramWebAppRequest(BaseModel):
    init_data: str = Field(min_length=1, max_length=8192)


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> Tokens:
        return cls(access_token=pair.access_token, refresh_token=pair.refresh_token, token_type=pair.token_type,
                   expires_in=pair.expires_in)


class SignupResult(BaseModel):
    verification_token: str
    user: UserPublic


class VerificationTokenResult(BaseModel):
    verification_token: str


class AuthResult(BaseModel):
    user: UserPublic
    tokens: Tokens


class TelegramAuthResult(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: UserPublic


class SessionPublic(BaseModel):
    id: uuid.UUID
    user_agent: str | None
    ip_address: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    is_current: bool


class SessionsResult(BaseModel):
    sessions: list[SessionPublic]


class TokenValidity(BaseModel):
    """Seed 000's GET /auth/validate answers a bare `true`; here the envelope carries whose token it is."""

    valid: Literal[True] = True
    user_id: uuid.UUID
    session_id: uuid.UUID
    session_expires_at: datetime = Field(description="When the session (its refresh token) runs out")
