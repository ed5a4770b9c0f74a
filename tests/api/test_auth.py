"""/api/v1/auth and PUT /me/password through HTTP, on SQLite and PostgreSQL, with real Redis."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from core.clients.mail import SmtpMailer
from core.db.models import AuthSession, EmailVerification, PasswordReset, User
from tests.helpers import auth_headers, error_of, make_user, ok_result, signed_in

PASSWORD = "Str0ng-pass!"


# ----- helpers ----------------------------------------------------------------------------------------------------

def outbox_for(container, email: str) -> list[str]:
    """Messages the development outbox holds for an address, oldest first."""
    outbox: Path = container.settings.data_dir / "outbox"
    if not outbox.exists():
        return []
    texts = [p.read_text(encoding="utf-8") for p in sorted(outbox.glob("*.txt"))]
    return [t for t in texts if t.startswith(f"To: {email}\n")]


def latest_code(container, email: str) -> str:
    messages = outbox_for(container, email)
    assert messages, f"no mail for {email}"
    return re.search(r"\b(\d{6})\b", messages[-1].split("\n\n", 1)[1]).group(1)


def latest_reset_token(container, email: str) -> str:
    messages = outbox_for(container, email)
    assert messages, f"no mail for {email}"
    return re.search(r": ([A-Za-z0-9_-]{40,})\n", messages[-1]).group(1)


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def signup(api: httpx.AsyncClient, email: str = "New.User@Example.com", **extra) -> dict:
    return ok_result(await api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, **extra}))


async def signin(api: httpx.AsyncClient, email: str, password: str = PASSWORD, **kwargs) -> httpx.Response:
    return await api.post("/api/v1/auth/signin", json={"email": email, "password": password}, **kwargs)


async def signed_in_tokens(api: httpx.AsyncClient, container) -> tuple[User, dict]:
    user = await make_user(container)
    return user, ok_result(await signin(api, user.email))["tokens"]


@asynccontextmanager
async def client_from(container, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from the given IP address."""
    from api.main import create_app

    transport = httpx.ASGITransport(app=create_app(container), client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram builds it (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app)."""
    data_check_string = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    signature = hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": signature})


def webapp_fields(container, **user) -> dict[str, str]:
    profile = {"id": 777001, "first_name": "Ира", "last_name": "Котова", "username": "irak", "language_code": "ru",
               **user}
    return {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(profile, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(container.clock.now().timestamp())),
        "signature": "6fbdaab833d39f54518bd5c3eb3f511d035e68cb",
    }


# ----- sign-up and email verification -----------------------------------------------------------------------------

async def test_signup_verify_then_sessions_refresh_and_logout(api, container) -> None:
    created = await signup(api, first_name="Анна", locale="en", time_zone="Europe/Moscow")
    assert created["user"]["email"] == "new.user@example.com"
    assert created["user"]["email_verified"] is False and created["user"]["locale"] == "en"
    code = latest_code(container, "new.user@example.com")

    verified = ok_result(await api.post("/api/v1/auth/check-email-verification-code", headers={"User-Agent": "App/1"},
                                        json={"verification_token": created["verification_token"], "code": code}))
    assert verified["user"]["email_verified"] is True
    assert verified["tokens"]["token_type"] == "bearer" and verified["tokens"]["expires_in"] == 15 * 60

    listed = ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(verified["tokens"])))["sessions"]
    assert [(s["is_current"], s["user_agent"], s["ip_address"]) for s in listed] == [(True, "App/1", "127.0.0.1")]

    refreshed = ok_result(await api.post("/api/v1/auth/refresh",
                                         json={"refresh_token": verified["tokens"]["refresh_token"]}))
    assert refreshed["refresh_token"] != verified["tokens"]["refresh_token"]
    ok_result(await api.post("/api/v1/auth/logout", headers=bearer(refreshed)))
    error_of(await api.get("/api/v1/auth/sessions", headers=bearer(refreshed)), 401, "AUTH_SESSION_REVOKED")


async def test_verification_mail_follows_the_users_language(api, container) -> None:
    await signup(api, "ru@example.com")
    await signup(api, "en@example.com", locale="en")
    assert "Ваш код подтверждения" in outbox_for(container, "ru@example.com")[0]
    assert "Your Mechta email verification code" in outbox_for(container, "en@example.com")[0]
    log = (container.settings.data_dir / "outbox" / "outbox.log").read_text(encoding="utf-8")
    assert "ru@example.com" in log and "en@example.com" in log


async def test_signup_succeeds_when_the_mail_server_is_down(api, container, monkeypatch, caplog) -> None:
    unreachable = container.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 9})
    monkeypatch.setattr(container.auth, "mailer", SmtpMailer(unreachable, timeout=2))
    created = await signup(api)
    assert created["user"]["email_verified"] is False
    assert "could not send" in caplog.text
    async with container.db.read() as session:
        assert (await session.scalars(select(EmailVerification))).one().used_at is None


async def test_signup_stores_only_hashes_of_token_and_code(api, container) -> None:
    created = await signup(api)
    code = latest_code(container, "new.user@example.com")
    async with container.db.read() as session:
        row = (await session.scalars(select(EmailVerification))).one()
        user = await session.get(User, uuid.UUID(created["user"]["id"]))
    assert row.token_hash != created["verification_token"] and code not in row.code_hash
    assert len(row.token_hash) == len(row.code_hash) == 64
    assert user.email_verified_at is None and user.password_hash != PASSWORD


@pytest.mark.parametrize("password, problem", [
    ("sh0rt", "at least 8"), ("onlyletters", "digit"), ("1234567890", "letter"),
])
async def test_signup_refuses_a_weak_password_with_field_messages(api, password: str, problem: str) -> None:
    error = error_of(await api.post("/api/v1/auth/signup", json={"email": "a@example.com", "password": password}),
                     422, "AUTH_WEAK_PASSWORD")
    assert any(problem in message for message in error["fields"]["password"])


async def test_signup_refuses_an_unknown_time_zone(api) -> None:
    response = await api.post("/api/v1/auth/signup",
                              json={"email": "a@example.com", "password": PASSWORD, "time_zone": "Mars/Olympus"})
    assert "time_zone" in error_of(response, 422, "VALIDATION_ERROR")["fields"]


async def test_signup_refuses_a_malformed_email(api) -> None:
    response = await api.post("/api/v1/auth/signup", json={"email": "not-an-email", "password": PASSWORD})
    assert "email" in error_of(response, 422, "VALIDATION_ERROR")["fields"]


async def test_signup_refuses_a_taken_email_in_any_case(api, container) -> None:
    await make_user(container, email="taken@example.com")
    response = await api.post("/api/v1/auth/signup", json={"email": "TAKEN@example.com", "password": PASSWORD})
    error_of(response, 400, "AUTH_EMAIL_ALREADY_EXISTS")


async def test_wrong_code_uses_up_attempts_until_the_token_is_dead(api, container) -> None:
    created = await signup(api)
    code = latest_code(container, "new.user@example.com")
    wrong = "000000" if code != "000000" else "111111"
    body = {"verification_token": created["verification_token"], "code": wrong}
    for left in range(container.settings.verification_max_attempts - 1, -1, -1):
        error = error_of(await api.post("/api/v1/auth/check-email-verification-code", json=body),
                         400, "AUTH_INVALID_VERIFICATION_CODE")
        assert error["details"] == {"attempts_left": left}
    right = {**body, "code": code}
    error_of(await api.post("/api/v1/auth/check-email-verification-code", json=right),
             400, "AUTH_VERIFICATION_ATTEMPTS_EXCEEDED")


async def test_unknown_verification_token_is_not_found(api) -> None:
    response = await api.post("/api/v1/auth/check-email-verification-code",
                              json={"verification_token": "no-such-token", "code": "123456"})
    error_of(response, 400, "AUTH_VERIFICATION_TOKEN_NOT_FOUND")


async def test_verification_code_expires(api, container) -> None:
    created = await signup(api)
    code = latest_code(container, "new.user@example.com")
    container.clock.advance(minutes=container.settings.verification_code_ttl_minutes, seconds=1)
    response = await api.post("/api/v1/auth/check-email-verification-code",
                              json={"verification_token": created["verification_token"], "code": code})
    error_of(response, 400, "AUTH_VERIFICATION_TOKEN_EXPIRED")


async def test_verification_code_works_once(api, container) -> None:
    created = await signup(api)
    body = {"verification_token": created["verification_token"], "code": latest_code(container, "new.user@example.com")}
    ok_result(await api.post("/api/v1/auth/check-email-verification-code", json=body))
    error_of(await api.post("/api/v1/auth/check-email-verification-code", json=body),
             400, "AUTH_VERIFICATION_TOKEN_NOT_FOUND")


async def test_resend_replaces_the_old_code_and_is_throttled(api, container) -> None:
    first = await signup(api)
    first_code = latest_code(container, "new.user@example.com")
    second = ok_result(await api.post("/api/v1/auth/send-email-verification", json={"email": "new.user@example.com"}))
    second_code = latest_code(container, "new.user@example.com")
    assert len(outbox_for(container, "new.user@example.com")) == 2

    stale = {"verification_token": first["verification_token"], "code": first_code}
    error_of(await api.post("/api/v1/auth/check-email-verification-code", json=stale),
             400, "AUTH_VERIFICATION_TOKEN_NOT_FOUND")
    again = await api.post("/api/v1/auth/send-email-verification", json={"email": "NEW.user@example.com"})
    error_of(again, 429, "RATE_LIMITED")
    assert 0 < int(again.headers["Retry-After"]) <= 60
    fresh = {"verification_token": second["verification_token"], "code": second_code}
    ok_result(await api.post("/api/v1/auth/check-email-verification-code", json=fresh))


async def test_resend_does_not_reveal_whether_an_account_exists(api, container) -> None:
    await make_user(container, email="verified@example.com")
    for email in ("nobody@example.com", "verified@example.com"):
        token = ok_result(await api.post("/api/v1/auth/send-email-verification", json={"email": email}))
        assert len(token["verification_token"]) >= 40
        response = await api.post("/api/v1/auth/check-email-verification-code",
                                  json={"verification_token": token["verification_token"], "code": "123456"})
        error_of(response, 400, "AUTH_VERIFICATION_TOKEN_NOT_FOUND")
        assert outbox_for(container, email) == []


# ----- sign-in ----------------------------------------------------------------------------------------------------

async def test_signin_returns_user_and_tokens_and_records_the_user_agent(api, container) -> None:
    user = await make_user(container, email="me@example.com")
    result = ok_result(await signin(api, "ME@example.com", headers={"User-Agent": "Firefox/130"}))
    assert result["user"]["id"] == str(user.id)
    assert set(result["tokens"]) == {"access_token", "refresh_token", "token_type", "expires_in"}
    sessions = ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(result["tokens"])))["sessions"]
    assert sessions[0]["user_agent"] == "Firefox/130"


async def test_signin_answers_alike_for_unknown_email_and_wrong_password(api, container) -> None:
    await make_user(container, email="me@example.com")
    wrong_password = error_of(await signin(api, "me@example.com", "Wrong-pass1"), 401, "AUTH_INVALID_CREDENTIALS")
    unknown = error_of(await signin(api, "ghost@example.com"), 401, "AUTH_INVALID_CREDENTIALS")
    assert wrong_password == unknown


async def test_signin_of_an_unverified_email_is_refused(api, container) -> None:
    await signup(api)
    error_of(await signin(api, "new.user@example.com"), 403, "AUTH_EMAIL_NOT_VERIFIED")


async def test_signin_of_a_disabled_account_is_refused(api, container) -> None:
    await make_user(container, email="off@example.com", is_active=False)
    error_of(await signin(api, "off@example.com"), 403, "AUTH_USER_INACTIVE")


async def test_failed_signins_from_many_addresses_never_lock_the_account(container) -> None:
    await make_user(container, email="me@example.com")
    for attempt in range(container.settings.signin_max_failures * 2):  # each from its own address
        async with client_from(container, f"10.0.0.{attempt + 1}") as client:
            error_of(await signin(client, "me@example.com", "Wrong-pass1"), 401, "AUTH_INVALID_CREDENTIALS")
    async with client_from(container, "10.0.1.1") as client:
        ok_result(await signin(client, "me@example.com"))


async def test_failed_signins_throttle_that_address_for_that_account_with_retry_after(container) -> None:
    await make_user(container, email="me@example.com")
    async with client_from(container, "10.9.9.9") as client:
        for _ in range(container.settings.signin_max_failures):
            error_of(await signin(client, "me@example.com", "Wrong-pass1"), 401, "AUTH_INVALID_CREDENTIALS")
        throttled = await signin(client, "me@example.com")  # this address waits, whatever it sends
    error_of(throttled, 429, "RATE_LIMITED")
    assert 0 < int(throttled.headers["Retry-After"]) <= container.settings.signin_failure_window_seconds
    async with client_from(container, "10.9.9.10") as owner:
        ok_result(await signin(owner, "me@example.com"))


async def test_failed_signins_throttle_the_address_across_accounts(container) -> None:
    await make_user(container, email="me@example.com")
    async with client_from(container, "10.9.9.9") as client:
        for attempt in range(container.settings.signin_ip_max_failures):
            error_of(await signin(client, f"guess{attempt}@example.com"), 401, "AUTH_INVALID_CREDENTIALS")
        error_of(await signin(client, "me@example.com"), 429, "RATE_LIMITED")
    async with client_from(container, "10.9.9.10") as other:
        ok_result(await signin(other, "me@example.com"))


async def test_successful_signin_clears_the_failure_count_of_its_address(container) -> None:
    await make_user(container, email="me@example.com")
    async with client_from(container, "10.1.1.1") as client:
        for _round in range(2):
            for _ in range(container.settings.signin_max_failures - 1):
                error_of(await signin(client, "me@example.com", "Wrong-pass1"), 401, "AUTH_INVALID_CREDENTIALS")
            ok_result(await signin(client, "me@example.com"))


# ----- refresh tokens ---------------------------------------------------------------------------------------------

async def test_refresh_rotates_and_a_reused_token_closes_the_whole_session(api, container) -> None:
    user, tokens = await signed_in_tokens(api, container)
    rotated = ok_result(await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}))
    ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(rotated)))

    reuse = await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    error_of(reuse, 401, "AUTH_REFRESH_TOKEN_REUSED")
    error_of(await api.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}),
             401, "AUTH_SESSION_REVOKED")
    for access in (tokens, rotated):
        error_of(await api.get("/api/v1/auth/sessions", headers=bearer(access)), 401, "AUTH_SESSION_REVOKED")
    async with container.db.read() as session:
        stored = (await session.scalars(select(AuthSession).where(AuthSession.user_id == user.id))).one()
    assert stored.revoked_reason == "refresh_reuse" and stored.refresh_generation == 1


async def test_refresh_updates_last_used_at(api, container) -> None:
    _, tokens = await signed_in_tokens(api, container)
    container.clock.advance(hours=2)
    rotated = ok_result(await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}))
    session = ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(rotated)))["sessions"][0]
    assert session["last_used_at"] != session["created_at"]


async def test_concurrent_refreshes_with_one_token_let_exactly_one_through(api, container) -> None:
    user, tokens = await signed_in_tokens(api, container)
    body = {"refresh_token": tokens["refresh_token"]}
    responses = await asyncio.gather(*(api.post("/api/v1/auth/refresh", json=body) for _ in range(2)))
    assert sorted(r.status_code for r in responses) == [200, 401]
    loser = next(r for r in responses if r.status_code == 401)
    error_of(loser, 401, "AUTH_REFRESH_TOKEN_REUSED")
    async with container.db.read() as session:
        stored = (await session.scalars(select(AuthSession).where(AuthSession.user_id == user.id))).one()
    assert stored.refresh_generation == 1


async def test_refresh_refuses_an_access_token(api, container) -> None:
    _, tokens = await signed_in_tokens(api, container)
    error_of(await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]}),
             401, "AUTH_INVALID_TOKEN_TYPE")


async def test_refresh_refuses_a_forged_token(api, container) -> None:
    _, tokens = await signed_in_tokens(api, container)
    header, payload, _signature = tokens["refresh_token"].split(".")
    forged = f"{header}.{payload}.{'A' * 43}"
    error_of(await api.post("/api/v1/auth/refresh", json={"refresh_token": forged}), 401, "AUTH_INVALID_REFRESH_TOKEN")
    error_of(await api.post("/api/v1/auth/refresh", json={"refresh_token": "garbage"}), 401,
             "AUTH_INVALID_REFRESH_TOKEN")


async def test_refresh_token_expires(api, container) -> None:
    _, tokens = await signed_in_tokens(api, container)
    container.clock.advance(days=container.settings.refresh_token_expire_days, seconds=1)
    error_of(await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
             401, "AUTH_TOKEN_EXPIRED")


async def test_refresh_after_logout_is_refused(api, container) -> None:
    _, tokens = await signed_in_tokens(api, container)
    ok_result(await api.post("/api/v1/auth/logout", headers=bearer(tokens)))
    error_of(await api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
             401, "AUTH_SESSION_REVOKED")


# ----- sessions ---------------------------------------------------------------------------------------------------

async def test_logout_all_ends_every_session(api, container) -> None:
    user = await make_user(container, email="me@example.com")
    first = ok_result(await signin(api, "me@example.com"))["tokens"]
    second = ok_result(await signin(api, "me@example.com"))["tokens"]
    ok_result(await api.post("/api/v1/auth/logout-all", headers=bearer(first)))
    for tokens in (first, second):
        error_of(await api.get("/api/v1/auth/sessions", headers=bearer(tokens)), 401, "AUTH_SESSION_REVOKED")
    fresh = ok_result(await signin(api, user.email))["tokens"]
    assert len(ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(fresh)))["sessions"]) == 1


async def test_sessions_list_only_live_ones_and_marks_the_current(api, container) -> None:
    await make_user(container, email="me@example.com")
    ok_result(await signin(api, "me@example.com", headers={"User-Agent": "old"}))
    gone = ok_result(await signin(api, "me@example.com", headers={"User-Agent": "gone"}))["tokens"]
    ok_result(await api.post("/api/v1/auth/logout", headers=bearer(gone)))
    container.clock.advance(minutes=1)
    current = ok_result(await signin(api, "me@example.com", headers={"User-Agent": "current"}))["tokens"]
    sessions = ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(current)))["sessions"]
    assert [(s["user_agent"], s["is_current"]) for s in sessions] == [("current", True), ("old", False)]


async def test_deleting_one_of_my_sessions_signs_it_out(api, container) -> None:
    await make_user(container, email="me@example.com")
    phone = ok_result(await signin(api, "me@example.com", headers={"User-Agent": "phone"}))["tokens"]
    laptop = ok_result(await signin(api, "me@example.com", headers={"User-Agent": "laptop"}))["tokens"]
    sessions = ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(laptop)))["sessions"]
    phone_id = next(s["id"] for s in sessions if s["user_agent"] == "phone")
    ok_result(await api.delete(f"/api/v1/auth/sessions/{phone_id}", headers=bearer(laptop)))
    ok_result(await api.delete(f"/api/v1/auth/sessions/{phone_id}", headers=bearer(laptop)))  # a double submit
    error_of(await api.get("/api/v1/auth/sessions", headers=bearer(phone)), 401, "AUTH_SESSION_REVOKED")
    ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(laptop)))


async def test_another_users_session_cannot_be_deleted(api, container) -> None:
    _, alice = await signed_in_tokens(api, container)
    _, bob = await signed_in_tokens(api, container)
    alice_session = ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(alice)))["sessions"][0]["id"]
    error_of(await api.delete(f"/api/v1/auth/sessions/{alice_session}", headers=bearer(bob)),
             404, "AUTH_SESSION_NOT_FOUND")
    ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(alice)))


async def test_deleting_an_unknown_or_malformed_session_id(api, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.delete(f"/api/v1/auth/sessions/{uuid.uuid4()}", headers=headers), 404, "AUTH_SESSION_NOT_FOUND")
    error_of(await api.delete("/api/v1/auth/sessions/not-a-uuid", headers=headers), 422, "VALIDATION_ERROR")


async def test_session_endpoints_need_a_token(api) -> None:
    error_of(await api.get("/api/v1/auth/sessions"), 401, "AUTH_UNAUTHORIZED")
    error_of(await api.post("/api/v1/auth/logout"), 401, "AUTH_UNAUTHORIZED")


# ----- password reset and change ----------------------------------------------------------------------------------

async def test_password_reset_sets_a_new_password_and_ends_every_session(api, container) -> None:
    user, tokens = await signed_in_tokens(api, container)
    ok_result(await api.post("/api/v1/auth/request-password-reset", json={"email": user.email.upper()}))
    token = latest_reset_token(container, user.email)
    ok_result(await api.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "N3w-secret"}))

    error_of(await api.get("/api/v1/auth/sessions", headers=bearer(tokens)), 401, "AUTH_SESSION_REVOKED")
    error_of(await signin(api, user.email), 401, "AUTH_INVALID_CREDENTIALS")
    ok_result(await signin(api, user.email, "N3w-secret"))
    error_of(await api.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "Other-secret9"}),
             400, "AUTH_RESET_TOKEN_INVALID")
    async with container.db.read() as session:
        assert (await session.scalars(select(PasswordReset))).one().token_hash != token


async def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(api, container) -> None:
    ok_result(await api.post("/api/v1/auth/request-password-reset", json={"email": "ghost@example.com"}))
    assert outbox_for(container, "ghost@example.com") == []


async def test_password_reset_proves_an_unverified_email(api, container) -> None:
    await signup(api)
    ok_result(await api.post("/api/v1/auth/request-password-reset", json={"email": "new.user@example.com"}))
    token = latest_reset_token(container, "new.user@example.com")
    ok_result(await api.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "N3w-secret"}))
    assert ok_result(await signin(api, "new.user@example.com", "N3w-secret"))["user"]["email_verified"] is True


async def test_password_reset_token_expires(api, container) -> None:
    user = await make_user(container)
    ok_result(await api.post("/api/v1/auth/request-password-reset", json={"email": user.email}))
    token = latest_reset_token(container, user.email)
    container.clock.advance(minutes=container.settings.password_reset_ttl_minutes, seconds=1)
    error_of(await api.post("/api/v1/auth/reset-password", json={"token": token, "new_password": "N3w-secret"}),
             400, "AUTH_RESET_TOKEN_EXPIRED")


async def test_password_reset_with_an_unknown_token_or_a_weak_password(api, container) -> None:
    error_of(await api.post("/api/v1/auth/reset-password", json={"token": "nope", "new_password": "N3w-secret"}),
             400, "AUTH_RESET_TOKEN_INVALID")
    error = error_of(await api.post("/api/v1/auth/reset-password", json={"token": "nope", "new_password": "short"}),
                     422, "AUTH_WEAK_PASSWORD")
    assert "new_password" in error["fields"]


async def test_changing_the_password_ends_every_session_and_drops_the_me_cache(api, container) -> None:
    user, tokens = await signed_in_tokens(api, container)
    other = ok_result(await signin(api, user.email))["tokens"]
    await container.cache.set_json(f"me:user:{user.id}", {"cached": True}, 60)
    body = {"current_password": PASSWORD, "new_password": "N3w-secret"}
    ok_result(await api.put("/api/v1/me/password", json=body, headers=bearer(tokens)))

    for access in (tokens, other):
        error_of(await api.get("/api/v1/auth/sessions", headers=bearer(access)), 401, "AUTH_SESSION_REVOKED")
    assert await container.cache.get_json(f"me:user:{user.id}") is None
    ok_result(await signin(api, user.email, "N3w-secret"))


async def test_changing_the_password_needs_the_current_one(api, container) -> None:
    _, headers = await signed_in(container)
    body = {"current_password": "Not-mine-1", "new_password": "N3w-secret"}
    error_of(await api.put("/api/v1/me/password", json=body, headers=headers), 400, "AUTH_INVALID_CURRENT_PASSWORD")
    weak = {"current_password": PASSWORD, "new_password": "weakweak"}
    error_of(await api.put("/api/v1/me/password", json=weak, headers=headers), 422, "AUTH_WEAK_PASSWORD")
    ok_result(await api.get("/api/v1/auth/sessions", headers=headers))


async def test_guessing_the_current_password_is_rate_limited(api, container) -> None:
    _, headers = await signed_in(container)
    body = {"current_password": "Not-mine-1", "new_password": "N3w-secret"}
    for _ in range(container.settings.signin_max_failures):
        error_of(await api.put("/api/v1/me/password", json=body, headers=headers), 400,
                 "AUTH_INVALID_CURRENT_PASSWORD")
    error_of(await api.put("/api/v1/me/password", json=body, headers=headers), 429, "RATE_LIMITED")


# ----- Telegram ---------------------------------------------------------------------------------------------------

async def test_bot_signs_in_a_telegram_user_creating_them_once(api, container) -> None:
    body = {"telegram_id": 5550001, "username": "kate", "first_name": "Kate", "language_code": "en"}
    headers = {"X-Bot-Secret": container.settings.bot_secret_key.get_secret_value()}
    first = ok_result(await api.post("/api/v1/auth/telegram", json=body, headers=headers))
    second = ok_result(await api.post("/api/v1/auth/telegram", json=body, headers=headers))
    assert first["token_type"] == "bearer" and first["user"]["id"] == second["user"]["id"]
    assert first["user"]["telegram_id"] == 5550001 and first["user"]["locale"] == "en"
    ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(first)))
    ok_result(await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}))


@pytest.mark.parametrize("headers", [{}, {"X-Bot-Secret": "wrong"}, {"X-Bot-Secret": ""}])
async def test_telegram_sign_in_needs_the_bot_secret(api, headers: dict) -> None:
    response = await api.post("/api/v1/auth/telegram", json={"telegram_id": 1}, headers=headers)
    error_of(response, 403, "AUTH_TELEGRAM_FORBIDDEN")


async def test_mini_app_signs_in_with_valid_init_data(api, container) -> None:
    init_data = sign_init_data(webapp_fields(container), container.settings.bot_token.get_secret_value())
    result = ok_result(await api.post("/api/v1/auth/telegram/webapp", json={"init_data": init_data}))
    assert result["user"]["telegram_id"] == 777001 and result["user"]["first_name"] == "Ира"
    assert result["user"]["telegram_username"] == "irak" and result["user"]["locale"] == "ru"
    ok_result(await api.get("/api/v1/auth/sessions", headers=bearer(result)))


@pytest.mark.parametrize("tamper", ["other bot token", "changed user", "changed signature", "no hash", "not a query"])
async def test_mini_app_refuses_init_data_not_signed_for_us(api, container, tamper: str) -> None:
    fields = webapp_fields(container)
    init_data = sign_init_data(fields, "999:ANOTHER" if tamper == "other bot token" else container.settings.bot_token.get_secret_value())
    if tamper == "changed user":
        init_data = init_data.replace("777001", "777002")
    elif tamper == "changed signature":
        init_data = init_data.replace("signature=6fbd", "signature=7fbd")
    elif tamper == "no hash":
        init_data = urlencode(fields)
    elif tamper == "not a query":
        init_data = "just text"
    response = await api.post("/api/v1/auth/telegram/webapp", json={"init_data": init_data})
    error_of(response, 401, "AUTH_TELEGRAM_INITDATA_INVALID")


async def test_mini_app_refuses_old_init_data(api, container) -> None:
    init_data = sign_init_data(webapp_fields(container), container.settings.bot_token.get_secret_value())
    container.clock.advance(seconds=container.settings.telegram_webapp_max_age_seconds + 1)
    response = await api.post("/api/v1/auth/telegram/webapp", json={"init_data": init_data})
    error_of(response, 401, "AUTH_TELEGRAM_INITDATA_EXPIRED")


async def test_mini_app_sign_in_without_a_bot_token_is_unavailable(api, container, monkeypatch) -> None:
    monkeypatch.setattr(container.auth, "settings", container.settings.model_copy(update={"bot_token": ""}))
    response = await api.post("/api/v1/auth/telegram/webapp", json={"init_data": "auth_date=1&hash=00"})
    error_of(response, 503, "AUTH_TELEGRAM_NOT_CONFIGURED")


# ----- access tokens ----------------------------------------------------------------------------------------------

async def test_access_token_expires(api, container) -> None:
    user = await make_user(container)
    headers = await auth_headers(container, user)
    container.clock.advance(minutes=container.settings.access_token_expire_minutes, seconds=1)
    error_of(await api.get("/api/v1/auth/sessions", headers=headers), 401, "AUTH_TOKEN_EXPIRED")
