"""/api/v1/auth: sign-up and email codes, sign-in, token refresh, sessions, password reset, Telegram sign-in."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request

from api.deps import ContainerDep, PrincipalDep, client_ip
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.schemas.auth import (
    AuthResult,
    CheckEmailVerificationCodeRequest,
    EmailRequest,
    RefreshRequest,
    ResetPasswordRequest,
    SessionPublic,
    SessionsResult,
    SigninRequest,
    SignupRequest,
    SignupResult,
    TelegramAuthRequest,
    TelegramAuthResult,
    TelegramWebAppRequest,
    Tokens,
    TokenValidity,
    VerificationTokenResult,
)
from api.schemas.users import UserPublic
from core.services.auth import SignInOutcome
from core.services.users import TelegramProfile

router = APIRouter(prefix="/auth", tags=["auth"], route_class=EdgeRoute)


def _client(request: Request) -> dict[str, str | None]:
    return {"user_agent": request.headers.get("user-agent"), "ip_address": client_ip(request)}


def _auth_result(outcome: SignInOutcome) -> AuthResult:
    return AuthResult(user=UserPublic.of(outcome.user), tokens=Tokens.of(outcome.tokens))


def _telegram_result(outcome: SignInOutcome) -> TelegramAuthResult:
    tokens = outcome.tokens
    return TelegramAuthResult(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                              token_type=tokens.token_type, expires_in=tokens.expires_in,
                              user=UserPublic.of(outcome.user))


@router.post("/signup", response_model=Envelope[SignupResult],
             summary="Create an account; a 6-digit code goes to the email")
async def signup(body: SignupRequest, container: ContainerDep) -> Envelope:
    outcome = await container.auth.signup(email=body.email, password=body.password, profile=body.profile())
    return Envelope.success(SignupResult(verification_token=outcome.verification_token,
                                         user=UserPublic.of(outcome.user)))


@router.post("/send-email-verification", response_model=Envelope[VerificationTokenResult],
             summary="Mail a new verification code (one a minute per address)")
async def send_email_verification(body: EmailRequest, container: ContainerDep) -> Envelope:
    token = await container.auth.send_email_verification(body.email)
    return Envelope.success(VerificationTokenResult(verification_token=token))


@router.post("/check-email-verification-code", response_model=Envelope[AuthResult],
             summary="Confirm the email with the code and sign in")
async def check_email_verification_code(body: CheckEmailVerificationCodeRequest, request: Request,
                                        container: ContainerDep) -> Envelope:
    outcome = await container.auth.check_email_verification_code(body.verification_token, body.code,
                                                                 **_client(request))
    return Envelope.success(_auth_result(outcome))


@router.post("/signin", response_model=Envelope[AuthResult], summary="Sign in with email and password")
async def signin(body: SigninRequest, request: Request, container: ContainerDep) -> Envelope:
    outcome = await container.auth.sign_in(body.email, body.password, **_client(request))
    return Envelope.success(_auth_result(outcome))


@router.post("/refresh", response_model=Envelope[Tokens],
             summary="Exchange a refresh token for a new pair (the old refresh token stops working)")
async def refresh(body: RefreshRequest, container: ContainerDep) -> Envelope:
    return Envelope.success(Tokens.of(await container.auth.refresh(body.refresh_token)))


@router.post("/logout", response_model=Envelope[Success], summary="Sign out of the current session")
async def logout(principal: PrincipalDep, container: ContainerDep) -> Envelope:
    await container.auth.logout(principal)
    return Envelope.success(Success())


@router.post("/logout-all", response_model=Envelope[Success], summary="Sign out of every session")
async def logout_all(principal: PrincipalDep, container: ContainerDep) -> Envelope:
    await container.auth.logout_all(principal)
    return Envelope.success(Success())


@router.get("/validate", response_model=Envelope[TokenValidity],
            summary="Check the access token: whose it is (401 when it is not valid)")
async def validate(principal: PrincipalDep) -> Envelope:
    return Envelope.success(TokenValidity(user_id=principal.user.id, session_id=principal.session.id,
                                          session_expires_at=principal.session.expires_at))


@router.get("/sessions", response_model=Envelope[SessionsResult], summary="The user's signed-in sessions")
async def sessions(principal: PrincipalDep, container: ContainerDep) -> Envelope:
    live = await container.auth.live_sessions(principal.user.id)
    return Envelope.success(SessionsResult(sessions=[
        SessionPublic(id=s.id, user_agent=s.user_agent, ip_address=s.ip_address, created_at=s.created_at,
                      last_used_at=s.last_used_at, expires_at=s.expires_at, is_current=s.id == principal.session.id)
        for s in live
    ]))


@router.delete("/sessions/{session_id}", response_model=Envelope[Success], summary="Sign out one session")
async def revoke_session(session_id: uuid.UUID, principal: PrincipalDep, container: ContainerDep) -> Envelope:
    await container.auth.revoke_session(principal.user.id, session_id)
    return Envelope.success(Success())


@router.post("/request-password-reset", response_model=Envelope[Success],
             summary="Mail a password reset token (the answer is the same for any address)")
async def request_password_reset(body: EmailRequest, container: ContainerDep) -> Envelope:
    await container.auth.request_password_reset(body.email)
    return Envelope.success(Success())


@router.post("/reset-password", response_model=Envelope[Success],
             summary="Set a new password with the mailed token; every session ends")
async def reset_password(body: ResetPasswordRequest, container: ContainerDep) -> Envelope:
    await container.auth.reset_password(body.token, body.new_password)
    return Envelope.success(Success())


@router.post("/telegram", response_model=Envelope[TelegramAuthResult],
             summary="Sign in a Telegram user on behalf of the bot (X-Bot-Secret)")
async def telegram(body: TelegramAuthRequest, request: Request, container: ContainerDep,
                   x_bot_secret: Annotated[str | None, Header()] = None) -> Envelope:
    profile = TelegramProfile(telegram_id=body.telegram_id, username=body.username, first_name=body.first_name,
                              last_name=body.last_name, language_code=body.language_code)
    outcome = await container.auth.telegram_sign_in(x_bot_secret, profile, **_client(request))
    return Envelope.success(_telegram_result(outcome))


@router.post("/telegram/webapp", response_model=Envelope[TelegramAuthResult],
             summary="Sign in from a Telegram Mini App with its signed initData")
async def telegram_webapp(body: TelegramWebAppRequest, request: Request, container: ContainerDep) -> Envelope:
    outcome = await container.auth.telegram_webapp_sign_in(body.init_data, **_client(request))
    return Envelope.success(_telegram_result(outcome))
