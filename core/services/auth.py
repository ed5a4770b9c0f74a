"""Authentication: sign-up with email codes, sign-in, sessions (refresh-token families with rotation and reuse
detection), password reset and change, Telegram sign-in, and the access-token check every request makes."""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.cache import Cache
from core.clients.mail import Mailer, MailMessage
from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import AuthSession, EmailVerification, PasswordReset, User
from core.errors import BadRequest, DomainError, Forbidden, NotFound, TooManyRequests, Unauthorized, Unprocessable
from core.identity import Identity, IdentityCache, identity_of
from core.rate_limits import RateLimits
from core.repositories.auth import AuthSessionRepository, EmailVerificationRepository, PasswordResetRepository
from core.repositories.users import UserRepository
from core.security import (
    ACCESS,
    REFRESH,
    InitDataError,
    TokenCodec,
    constant_time_equals,
    hash_password,
    new_numeric_code,
    new_token,
    password_problems,
    pyjwt,
    sha256_hex,
    telegram_user_of,
    verify_password,
    verify_telegram_init_data,
)
from core.services.users import TelegramProfile, UserService, _validate_profile

# How far ahead of our clock a Mini App's auth_date may be (clocks drift a little).
INITDATA_CLOCK_SKEW = timedelta(seconds=60)
log = logging.getLogger("mechta.auth")

# One new code or reset link per address per minute, whoever asks.
MAIL_RESEND_INTERVAL_SECONDS = 60


def me_cache_key(user_id: uuid.UUID) -> str:
    """The key GET /me caches under; anything that changes the user's account state drops it."""
    return f"me:user:{user_id}"


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    session_id: uuid.UUID


@dataclass(frozen=True)
class Principal:
    user: User
    session: AuthSession


@dataclass(frozen=True)
class SignupOutcome:
    user: User
    verification_token: str


@dataclass(frozen=True)
class SignInOutcome:
    user: User
    tokens: TokenPair


class FailureLimiter:
    """Counts failures per key in the cache; a key that reaches the limit is locked for the rest of its window."""

    def __init__(self, cache: Cache, *, max_failures: int, window_seconds: int) -> None:
        self.cache = cache
        self.max_failures = max_failures
        self.window_seconds = window_seconds

    async def ensure_allowed(self, *keys: str) -> None:
        for key in keys:
            ttl = await self.cache.ttl(f"{key}:locked")
            if ttl == -2:
                continue
            # Redis answers -1 for a key without expiry; the memory cache 0 in its last second.
            raise TooManyRequests(retry_after=max(ttl, 1) if ttl >= 0 else self.window_seconds)

    async def record_failure(self, *keys: str) -> None:
        for key in keys:
            failures = await self.cache.incr(key, self.window_seconds)
            if failures >= self.max_failures:
                remaining = await self.cache.ttl(key)
                await self.cache.set_if_absent(f"{key}:locked", "1",
                                               remaining if remaining > 0 else self.window_seconds)

    async def clear(self, *keys: str) -> None:
        await self.cache.delete(*keys)


_MAILS = {
    "verification": {
        "ru": ("«Мечта»: код подтверждения {code}",
               "Здравствуйте!\n\nВаш код подтверждения почты в «Мечте»: {code}\n"
               "Код действует {minutes} мин.\n\n"
               "Если вы не регистрировались в «Мечте», просто удалите это письмо."),
        "en": ("Mechta: your verification code is {code}",
               "Hello!\n\nYour Mechta email verification code: {code}\n"
               "It is valid for {minutes} minutes.\n\n"
               "If you did not sign up for Mechta, simply delete this message."),
    },
    "password_reset": {
        "ru": ("«Мечта»: сброс пароля",
               "Здравствуйте!\n\nКто-то (надеемся, вы) запросил сброс пароля в «Мечте».\n"
               "Токен для сброса пароля: {token}\n"
               "Он действует {minutes} мин. и сработает один раз.\n\n"
               "Если вы не запрашивали сброс, ничего не делайте — пароль останется прежним."),
        "en": ("Mechta: password reset",
               "Hello!\n\nSomeone (hopefully you) asked to reset your Mechta password.\n"
               "Your password reset token: {token}\n"
               "It is valid for {minutes} minutes and works once.\n\n"
               "If you did not ask for this, do nothing — your password stays the same."),
    },
}


def _mail(kind: str, user: User, **values: Any) -> MailMessage:
    subject, text = _MAILS[kind]["en" if user.locale == "en" else "ru"]
    return MailMessage(to=user.email or "", subject=subject.format(**values), text=text.format(**values))


def _weak_password(field: str, problems: list[str]) -> Unprocessable:
    return Unprocessable("AUTH_WEAK_PASSWORD", "The password is too weak.", fields={field: problems})


def _invalid_credentials() -> Unauthorized:
    return Unauthorized("AUTH_INVALID_CREDENTIALS", "Wrong email or password.")


class AuthService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, *, cache: Cache, mailer: Mailer,
                 users: UserService, rate_limits: RateLimits, identities: IdentityCache | None = None) -> None:
        self.db = db
        self.identities = identities or IdentityCache(cache, ttl_seconds=0)
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.mailer = mailer
        self.users = users
        self.rate_limits = rate_limits
        self.codec = TokenCodec(settings.jwt_secret_key.get_secret_value(), settings.jwt_algorithm)
        self.signin_limiter = FailureLimiter(cache, max_failures=settings.signin_max_failures,
                                             window_seconds=settings.signin_failure_window_seconds)

    @property
    def access_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.access_token_expire_minutes)

    @property
    def refresh_ttl(self) -> timedelta:
        return timedelta(days=self.settings.refresh_token_expire_days)

    def _pair(self, user_id: uuid.UUID, session_id: uuid.UUID, refresh_jti: str) -> TokenPair:
        now = self.clock.now()
        access = self.codec.encode(subject=user_id, token_type=ACCESS, session_id=session_id, now=now,
                                   ttl=self.access_ttl)
        refresh = self.codec.encode(subject=user_id, token_type=REFRESH, session_id=session_id, now=now,
                                    ttl=self.refresh_ttl, jti=refresh_jti)
        return TokenPair(access, refresh, "bearer", int(self.access_ttl.total_seconds()), session_id)

    # ----- sessions and tokens -------------------------------------------------------------------------------

    async def start_session(self, user: User, *, user_agent: str | None = None,
                            ip_address: str | None = None, session=None) -> TokenPair:
        """Open a new session for the user and issue its first token pair (inside the caller's transaction if given)."""
        now = self.clock.now()
        auth_session = AuthSession(
            id=uuid.uuid4(), user_id=user.id, refresh_jti=uuid.uuid4().hex, refresh_generation=0,
            user_agent=(user_agent or "")[:512] or None, ip_address=(ip_address or "")[:64] or None,
            created_at=now, last_used_at=now, expires_at=now + self.refresh_ttl,
        )
        if session is not None:
            session.add(auth_session)
        else:
            async with self.db.transaction() as tx:
                tx.add(auth_session)
        return self._pair(user.id, auth_session.id, auth_session.refresh_jti)

    def _claims(self, token: str, token_type: str, *, invalid: tuple[str, str],
                expired: str) -> tuple[dict, uuid.UUID, uuid.UUID]:
        """Decode and check a token of the given type: its payload, user id and session id."""
        jwt = pyjwt()  # on first use, as in core.security: the bot never handles a token
        try:
            payload = self.codec.decode(token, now=self.clock.now())
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("AUTH_TOKEN_EXPIRED", expired) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(*invalid) from exc
        if payload.get("type") != token_type:
            raise Unauthorized("AUTH_INVALID_TOKEN_TYPE", f"This needs a {token_type} token.")
        try:
            return payload, uuid.UUID(payload["sub"]), uuid.UUID(payload["session_id"])
        except (ValueError, TypeError) as exc:
            raise Unauthorized(*invalid) from exc

    async def authenticate_access_token(self, token: str) -> Principal:
        """The user and session behind an access token; a revoked session is refused at once."""
        user_id, session_id = self._access_claims(token)
        # Only live sessions of active users are cached, and every revocation or user change drops the entry.
        known = await self.identities.get(user_id)
        parts = known.principal_parts(session_id) if known is not None else None
        if parts is not None:
            return Principal(user=parts[0], session=parts[1])
        return await self._load_principal(user_id, session_id, known)

    async def access_token_user(self, token: str) -> User:
        """The user behind an access token, checked exactly as `authenticate_access_token` checks it, for the many
        requests that need no session object: a cached identity then builds the user's row only."""
        user_id, session_id = self._access_claims(token)
        known = await self.identities.get(user_id)
        user = known.user_of(session_id) if known is not None else None
        if user is not None:
            return user
        return (await self._load_principal(user_id, session_id, known)).user

    def _access_claims(self, token: str) -> tuple[uuid.UUID, uuid.UUID]:
        _payload, user_id, session_id = self._claims(
            token, ACCESS, invalid=("AUTH_INVALID_TOKEN", "The access token is invalid."),
            expired="The access token has expired; refresh it.")
        return user_id, session_id

    async def _load_principal(self, user_id: uuid.UUID, session_id: uuid.UUID, known: Identity | None) -> Principal:
        """The identity from the database when no cached one vouches for the session; cached for the next request."""
        checked_at = time.time()
        async with self.db.read() as tx:
            row = (await tx.execute(
                select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
            )).first()
        if row is None:
            raise Unauthorized("AUTH_INVALID_TOKEN", "The access token is invalid.")
        auth_session, user = row
        if auth_session.revoked_at is not None:
            raise Unauthorized("AUTH_SESSION_REVOKED", "This session has been signed out.")
        if not user.is_active:
            raise Forbidden("AUTH_USER_INACTIVE", "This account is disabled.")
        await self.identities.put(user_id, identity_of(user, auth_session), checked_at=checked_at, known=known)
        return Principal(user=user, session=auth_session)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate the session's refresh token. Presenting a token that was already rotated means it leaked (or two
        clients raced): the whole session is revoked, so both the thief and the victim must sign in again."""
        now = self.clock.now()
        payload, user_id, session_id = self._claims(
            refresh_token, REFRESH, invalid=("AUTH_INVALID_REFRESH_TOKEN", "The refresh token is invalid."),
            expired="The refresh token has expired; sign in again.")
        presented_jti = str(payload["jti"])

        new_jti = uuid.uuid4().hex
        async with self.db.transaction() as tx:
            sessions = AuthSessionRepository(tx)
            auth_session = await sessions.get(session_id, for_update=True)
            user = await tx.get(User, user_id)
            if auth_session is None or auth_session.user_id != user_id or user is None:
                raise Unauthorized("AUTH_INVALID_REFRESH_TOKEN", "The refresh token is invalid.")
            if auth_session.revoked_at is not None:
                raise Unauthorized("AUTH_SESSION_REVOKED", "This session has been signed out.")
            if auth_session.expires_at <= now:
                raise Unauthorized("AUTH_TOKEN_EXPIRED", "The session has expired; sign in again.")
            if not user.is_active:
                raise Forbidden("AUTH_USER_INACTIVE", "This account is disabled.")
            rotated = constant_time_equals(auth_session.refresh_jti, presented_jti) and await sessions.rotate(
                session_id, presented_jti=presented_jti, new_jti=new_jti, now=now, expires_at=now + self.refresh_ttl)
            if not rotated:
                await sessions.revoke(session_id, now=now, reason="refresh_reuse")
        if not rotated:
            await self.identities.forget([user_id])
            log.warning("refresh token reuse: session %s of user %s revoked", session_id, user_id)
            raise Unauthorized("AUTH_REFRESH_TOKEN_REUSED",
                               "This refresh token was already used; the session is closed. Sign in again.")
        return self._pair(user_id, session_id, new_jti)

    async def logout(self, principal: Principal) -> None:
        async with self.db.transaction() as tx:
            await AuthSessionRepository(tx).revoke(principal.session.id, now=self.clock.now(), reason="logout")
        await self.identities.forget([principal.user.id])

    async def logout_all(self, principal: Principal) -> None:
        async with self.db.transaction() as tx:
            await AuthSessionRepository(tx).revoke_all(principal.user.id, now=self.clock.now(), reason="logout_all")
        await self.identities.forget([principal.user.id])

    async def live_sessions(self, user_id: uuid.UUID) -> list[AuthSession]:
        async with self.db.read() as tx:
            return await AuthSessionRepository(tx).live_for_user(user_id, self.clock.now())

    async def revoke_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
        """Close one of the user's own sessions; repeating it is harmless, anyone else's id is simply not found."""
        async with self.db.transaction() as tx:
            sessions = AuthSessionRepository(tx)
            auth_session = await sessions.get(session_id, for_update=True)
            if auth_session is None or auth_session.user_id != user_id:
                raise NotFound("AUTH_SESSION_NOT_FOUND", "Session not found.")
            await sessions.revoke(session_id, now=self.clock.now(), reason="revoked_by_user")
        await self.identities.forget([user_id])

    # ----- email and password --------------------------------------------------------------------------------

    async def signup(self, *, email: str, password: str, profile: dict[str, Any]) -> SignupOutcome:
        """Create an unverified account and mail it a 6-digit code; the returned token plus the code sign it in."""
        email = normalize_email(email)
        fields: dict[str, list[str]] = {}
        problems = password_problems(password)
        if problems:
            fields["password"] = problems
        try:
            cleaned = _validate_profile({k: v for k, v in profile.items() if v is not None},
                                        today=self.clock.now().date())
        except Unprocessable as exc:
            fields.update(exc.fields)
            cleaned = {}
        if fields:
            code = "AUTH_WEAK_PASSWORD" if problems else "VALIDATION_ERROR"
            raise Unprocessable(code, "Some fields are invalid.", fields=fields)

        async with self.db.read() as tx:
            taken = await UserRepository(tx).by_email(email) is not None
        if taken:
            raise self._email_taken()
        password_hash = await asyncio.to_thread(hash_password, password)
        try:
            async with self.db.transaction() as tx:
                user = UserRepository(tx).add(User(id=uuid.uuid4(), email=email, password_hash=password_hash,
                                                   email_verified_at=None, created_at=self.clock.now(), **cleaned))
                await tx.flush()
                token, code = self._new_verification(tx, user)
        except IntegrityError as exc:  # two sign-ups with one address raced
            raise self._email_taken() from exc
        await self._deliver(_mail("verification", user, code=code,
                                  minutes=self.settings.verification_code_ttl_minutes))
        return SignupOutcome(user=user, verification_token=token)

    @staticmethod
    def _email_taken() -> BadRequest:
        return BadRequest("AUTH_EMAIL_ALREADY_EXISTS", "An account with this email already exists.",
                          fields={"email": ["This email is already registered"]})

    def _new_verification(self, tx, user: User) -> tuple[str, str]:
        token, code = new_token(), new_numeric_code(6)
        now = self.clock.now()
        EmailVerificationRepository(tx).add(EmailVerification(
            user_id=user.id, token_hash=sha256_hex(token), code_hash=self._code_hash(token, code), attempts=0,
            created_at=now, expires_at=now + timedelta(minutes=self.settings.verification_code_ttl_minutes),
        ))
        return token, code

    @staticmethod
    def _code_hash(token: str, code: str) -> str:
        # Bound to the token, so a leaked table cannot be turned back into codes by trying all million of them.
        return sha256_hex(f"{token}:{code}")

    async def send_email_verification(self, email: str) -> str:
        """A fresh code for an unverified account (older codes stop working). Unknown or already verified addresses
        get a random token that nothing matches, so the answer never tells whether an account exists."""
        email = normalize_email(email)
        await self._throttle_mail("verification", email, raise_when_throttled=True)
        async with self.db.transaction() as tx:
            user = await UserRepository(tx).by_email(email)
            if user is None or user.email_verified_at is not None or not user.is_active:
                return new_token()
            await EmailVerificationRepository(tx).delete_unused_for_user(user.id)
            token, code = self._new_verification(tx, user)
        await self._deliver(_mail("verification", user, code=code,
                                  minutes=self.settings.verification_code_ttl_minutes))
        return token

    async def check_email_verification_code(self, verification_token: str, code: str, *,
                                            user_agent: str | None = None,
                                            ip_address: str | None = None) -> SignInOutcome:
        """Prove the address with the mailed code: marks it verified and signs the user in. Each wrong code uses up
        an attempt; the token dies after the last one, and a right code works once."""
        now = self.clock.now()
        failure: DomainError | None = None
        async with self.db.transaction() as tx:
            verification = await EmailVerificationRepository(tx).by_token_hash(sha256_hex(verification_token),
                                                                               for_update=True)
            if verification is None or verification.used_at is not None:
                raise BadRequest("AUTH_VERIFICATION_TOKEN_NOT_FOUND", "This verification request does not exist.")
            if verification.expires_at <= now:
                raise BadRequest("AUTH_VERIFICATION_TOKEN_EXPIRED", "The code has expired; ask for a new one.")
            max_attempts = self.settings.verification_max_attempts
            if verification.attempts >= max_attempts:
                raise BadRequest("AUTH_VERIFICATION_ATTEMPTS_EXCEEDED", "Too many wrong codes; ask for a new one.")
            if not constant_time_equals(self._code_hash(verification_token, code.strip()), verification.code_hash):
                verification.attempts += 1
                # Raised after the commit: the used-up attempt must be saved.
                failure = BadRequest("AUTH_INVALID_VERIFICATION_CODE", "The code is wrong.",
                                     details={"attempts_left": max_attempts - verification.attempts})
            else:
                user = await UserRepository(tx).get(verification.user_id, for_update=True)
                if user is None or not user.is_active:
                    raise Forbidden("AUTH_USER_INACTIVE", "This account is disabled.")
                verification.used_at = now
                if user.email_verified_at is None:
                    user.email_verified_at = now
                tokens = await self.start_session(user, user_agent=user_agent, ip_address=ip_address, session=tx)
        if failure is not None:
            raise failure
        await self.cache.delete(me_cache_key(user.id))
        return SignInOutcome(user=user, tokens=tokens)

    async def sign_in(self, email: str, password: str, *, user_agent: str | None = None,
                      ip_address: str | None = None) -> SignInOutcome:
        """Email and password sign-in. Unknown address and wrong password answer alike. Failures throttle the IP
        they come from (for that account, and for every account at a higher count) and never the account itself:
        a limit per account alone would let anyone lock its owner out, while this way the right password from
        another IP always works. (Requests per IP are limited at the edge, api/rate_limit.py.)"""
        email = normalize_email(email)
        ip, account = ip_address or "unknown", sha256_hex(email)
        limits = self.rate_limits
        await limits.ensure_room(limits.signin_failures_per_ip, "signin-failures", ip)
        await limits.ensure_room(limits.signin_failures_per_account, "signin-failures", ip, account)
        async with self.db.read() as tx:
            user = await UserRepository(tx).by_email(email)
        password_ok = await asyncio.to_thread(verify_password, password, user.password_hash if user else None)
        if user is None or not password_ok:
            await limits.record(limits.signin_failures_per_ip, "signin-failures", ip)
            await limits.record(limits.signin_failures_per_account, "signin-failures", ip, account)
            raise _invalid_credentials()
        if not user.is_active:
            raise Forbidden("AUTH_USER_INACTIVE", "This account is disabled.")
        if user.email_verified_at is None:
            raise Forbidden("AUTH_EMAIL_NOT_VERIFIED",
                            "Confirm your email first: enter the code we sent or ask for a new one.")
        tokens = await self.start_session(user, user_agent=user_agent, ip_address=ip_address)
        await limits.clear(limits.signin_failures_per_account, "signin-failures", ip, account)
        return SignInOutcome(user=user, tokens=tokens)

    async def request_password_reset(self, email: str) -> None:
        """Mail a one-time reset token to an existing account; the caller learns nothing either way."""
        email = normalize_email(email)
        if not await self._throttle_mail("password_reset", email, raise_when_throttled=False):
            return
        now = self.clock.now()
        async with self.db.transaction() as tx:
            user = await UserRepository(tx).by_email(email)
            if user is None or not user.is_active:
                return
            resets = PasswordResetRepository(tx)
            await resets.delete_unused_for_user(user.id)
            token = new_token()
            resets.add(PasswordReset(
                user_id=user.id, token_hash=sha256_hex(token), attempts=0, created_at=now,
                expires_at=now + timedelta(minutes=self.settings.password_reset_ttl_minutes),
            ))
        await self._deliver(_mail("password_reset", user, token=token,
                                  minutes=self.settings.password_reset_ttl_minutes))

    async def reset_password(self, token: str, new_password: str) -> None:
        """Set a new password with a mailed token (once). Every session ends, and the address counts as verified."""
        problems = password_problems(new_password)
        if problems:
            raise _weak_password("new_password", problems)
        password_hash = await asyncio.to_thread(hash_password, new_password)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            reset = await PasswordResetRepository(tx).by_token_hash(sha256_hex(token), for_update=True)
            if reset is None or reset.used_at is not None:
                raise BadRequest("AUTH_RESET_TOKEN_INVALID", "This reset link is invalid or already used.")
            if reset.expires_at <= now:
                raise BadRequest("AUTH_RESET_TOKEN_EXPIRED", "This reset link has expired; ask for a new one.")
            user = await UserRepository(tx).get(reset.user_id, for_update=True)
            if user is None or not user.is_active:
                raise BadRequest("AUTH_RESET_TOKEN_INVALID", "This reset link is invalid or already used.")
            reset.used_at = now
            user.password_hash = password_hash
            if user.email_verified_at is None:
                user.email_verified_at = now
            await AuthSessionRepository(tx).revoke_all(user.id, now=now, reason="password_reset")
        await self.identities.forget([user.id])
        await self.cache.delete(me_cache_key(user.id))

    async def change_password(self, user_id: uuid.UUID, current_password: str, new_password: str) -> None:
        """Change the password knowing the current one; every session ends, this one included. Wrong current
        passwords count against the same limit as sign-ins, so a stolen access token cannot guess it."""
        limiter_key = f"auth:password-change-failures:{user_id}"
        await self.signin_limiter.ensure_allowed(limiter_key)
        async with self.db.read() as tx:
            user = await UserRepository(tx).get(user_id)
        if user is None:
            raise NotFound("USER_NOT_FOUND", "User not found.")
        if not await asyncio.to_thread(verify_password, current_password, user.password_hash):
            await self.signin_limiter.record_failure(limiter_key)
            raise BadRequest("AUTH_INVALID_CURRENT_PASSWORD", "The current password is wrong.",
                             fields={"current_password": ["Wrong password"]})
        problems = password_problems(new_password)
        if problems:
            raise _weak_password("new_password", problems)
        password_hash = await asyncio.to_thread(hash_password, new_password)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            locked = await UserRepository(tx).get(user_id, for_update=True)
            if locked is None or locked.password_hash != user.password_hash:
                # Changed by a parallel request since we checked: the checked password is no longer current.
                raise BadRequest("AUTH_INVALID_CURRENT_PASSWORD", "The current password is wrong.",
                                 fields={"current_password": ["Wrong password"]})
            locked.password_hash = password_hash
            await AuthSessionRepository(tx).revoke_all(user_id, now=now, reason="password_change")
        await self.identities.forget([user_id])
        await self.signin_limiter.clear(limiter_key)
        await self.cache.delete(me_cache_key(user_id))

    async def _throttle_mail(self, kind: str, email: str, *, raise_when_throttled: bool) -> bool:
        """True when a mail of this kind may go to the address now (one a minute, whether or not it exists)."""
        key = f"auth:mail-throttle:{kind}:{sha256_hex(email)}"
        if await self.cache.set_if_absent(key, "1", MAIL_RESEND_INTERVAL_SECONDS):
            return True
        if raise_when_throttled:
            ttl = await self.cache.ttl(key)
            raise TooManyRequests(retry_after=max(ttl, 1) if ttl >= 0 else MAIL_RESEND_INTERVAL_SECONDS,
                                  message="Wait a minute before asking for another code.")
        return False

    async def _deliver(self, message: MailMessage) -> None:
        """Send after the transaction committed. A mail failure must not undo the account change: it is logged,
        and the user can ask for another code or link."""
        try:
            await self.mailer.send(message)
        except Exception:
            log.exception("could not send %r to %s", message.subject, message.to)

    # ----- Telegram ------------------------------------------------------------------------------------------

    async def telegram_sign_in(self, bot_secret: str | None, profile: TelegramProfile, *,
                               user_agent: str | None = None, ip_address: str | None = None) -> SignInOutcome:
        """Our own bot vouches for a Telegram user with the shared X-Bot-Secret; the user is created on first use."""
        expected = self.settings.bot_secret_key.get_secret_value()
        if not expected or not bot_secret or not constant_time_equals(bot_secret, expected):
            raise Forbidden("AUTH_TELEGRAM_FORBIDDEN", "The bot secret is missing or wrong.")
        return await self._telegram_session(profile, user_agent=user_agent, ip_address=ip_address)

    async def telegram_webapp_sign_in(self, init_data: str, *, user_agent: str | None = None,
                                      ip_address: str | None = None) -> SignInOutcome:
        """Sign in from a Telegram Mini App: Telegram signed initData with our bot token."""
        if not self.settings.bot_token.get_secret_value():
            raise DomainError("AUTH_TELEGRAM_NOT_CONFIGURED", "Telegram sign-in is not configured on this server.",
                              http_status=503)
        try:
            fields = verify_telegram_init_data(init_data, self.settings.bot_token.get_secret_value())
            auth_date = int(fields.get("auth_date", ""))
            telegram_user = telegram_user_of(fields)
        except (InitDataError, ValueError) as exc:
            raise Unauthorized("AUTH_TELEGRAM_INITDATA_INVALID", "Telegram initData is invalid.") from exc
        try:
            age = self.clock.now() - datetime.fromtimestamp(auth_date, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Unauthorized("AUTH_TELEGRAM_INITDATA_INVALID", "Telegram initData is invalid.") from exc
        if age < -INITDATA_CLOCK_SKEW:
            # Signed "in the future": not something Telegram produces; refusing it keeps the age limit meaningful.
            raise Unauthorized("AUTH_TELEGRAM_INITDATA_INVALID", "Telegram initData is dated in the future.")
        if age > timedelta(seconds=self.settings.telegram_webapp_max_age_seconds):
            raise Unauthorized("AUTH_TELEGRAM_INITDATA_EXPIRED", "Telegram initData is too old; reopen the app.")
        profile = TelegramProfile(
            telegram_id=telegram_user["id"],
            username=_optional_str(telegram_user.get("username"), 64),
            first_name=_optional_str(telegram_user.get("first_name")),
            last_name=_optional_str(telegram_user.get("last_name")),
            language_code=_optional_str(telegram_user.get("language_code")),
        )
        return await self._telegram_session(profile, user_agent=user_agent, ip_address=ip_address)

    async def _telegram_session(self, profile: TelegramProfile, *, user_agent: str | None,
                                ip_address: str | None) -> SignInOutcome:
        user, _created = await self.users.resolve_telegram_user(profile)
        if not user.is_active:
            raise Forbidden("AUTH_USER_INACTIVE", "This account is disabled.")
        tokens = await self.start_session(user, user_agent=user_agent, ip_address=ip_address)
        return SignInOutcome(user=user, tokens=tokens)


def _optional_str(value: Any, limit: int = 100) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None
