"""Password hashing and policy, JWTs, hashed one-time secrets and Telegram Mini App initData checks."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
import uuid
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

from pwdlib import PasswordHash

from core.lru import BoundedDict

_password_hash = PasswordHash.recommended()  # argon2id, 64 MiB and three passes a hash


def use_password_hash(password_hash: PasswordHash) -> None:
    """Hash new passwords with `password_hash` from now on (the test suite: argon2id at a tiny cost, a millisecond
    instead of most of a second on a busy box). A stored hash names its own algorithm and cost, so every hash made
    before or after still verifies."""
    global _password_hash
    _password_hash = password_hash

ACCESS = "access"
REFRESH = "refresh"


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        # Spend comparable time so a missing account is not distinguishable by timing.
        _password_hash.hash(password)
        return False
    return _password_hash.verify(password, password_hash)


PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


def password_problems(password: str) -> list[str]:
    """Why a new password is refused (empty when it is acceptable): 8-128 characters with letters and digits."""
    problems: list[str] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(f"Use at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(f"Use at most {PASSWORD_MAX_LENGTH} characters")
    if not any(ch.isalpha() for ch in password):
        problems.append("Include at least one letter")
    if not any(ch.isdigit() for ch in password):
        problems.append("Include at least one digit")
    return problems


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    """Compared as UTF-8 bytes: hmac.compare_digest refuses str with non-ASCII characters."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def pyjwt() -> ModuleType:
    """PyJWT, imported without its asymmetric algorithms.

    Mechta signs and checks HS256 only (the standard library's hmac), but PyJWT imports cryptography for RSA and EC
    keys whenever it is installed (it is, for the Fernet token cipher): ~9 MiB in every API process for code that
    never runs. PyJWT treats cryptography as optional (`has_crypto`); hiding it during that one import gives the same
    HS256 behaviour, and cryptography stays importable for everything else. The API imports it while it starts
    (api/rate_limit.py), before any other thread could be importing cryptography.
    """
    loaded = sys.modules.get("jwt")
    if loaded is not None:
        return loaded
    # redis imports the bare package (a version check, cheap); it is put back as it was.
    previous = sys.modules.get("cryptography")
    sys.modules["cryptography"] = None  # type: ignore[assignment]  (imports of it fail as "not installed")
    try:
        import jwt
    finally:
        if previous is None:
            del sys.modules["cryptography"]
        else:
            sys.modules["cryptography"] = previous
    return jwt


class TokenCodec:
    def __init__(self, secret: str, algorithm: str = "HS256") -> None:
        self._secret = secret
        self._algorithm = algorithm
        # Verified payloads by token string: a client repeats its access token on every request, and checking the
        # signature again proves nothing new. Expiry is still checked on every decode.
        self._verified: BoundedDict[str, dict[str, Any]] = BoundedDict(VERIFIED_TOKENS_KEPT)

    def encode(self, *, subject: uuid.UUID, token_type: str, session_id: uuid.UUID, now: datetime,
               ttl: timedelta, jti: str | None = None) -> str:
        payload: dict[str, Any] = {
            "sub": str(subject),
            "type": token_type,
            "session_id": str(session_id),
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            "jti": jti or uuid.uuid4().hex,
        }
        return pyjwt().encode(payload, self._secret, algorithm=self._algorithm)

    def decode(self, token: str, *, now: datetime) -> dict[str, Any]:
        """Raises jwt.PyJWTError on a bad signature, a malformed token or expiry (checked against `now`)."""
        jwt = pyjwt()
        payload = self._verified.get(token)
        if payload is None:
            payload = jwt.decode(
                token, self._secret, algorithms=[self._algorithm],
                # Time is checked below against our clock, not PyJWT's wall clock (it would refuse a future `iat`).
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "require": ["sub", "type", "session_id", "exp", "jti"]},
            )
            expires = payload["exp"]
            if not isinstance(expires, int) or isinstance(expires, bool):
                raise jwt.InvalidTokenError("exp is not a whole number")
            self._verified[token] = payload
        if payload["exp"] <= int(now.timestamp()):
            raise jwt.ExpiredSignatureError("token expired")
        return payload


VERIFIED_TOKENS_KEPT = 10_000


class InitDataError(ValueError):
    """Telegram Mini App initData that is malformed or not signed with our bot token."""


def verify_telegram_init_data(init_data: str, bot_token: str) -> dict[str, str]:
    """The fields of a Mini App's initData once its signature is proven (core.telegram.org/bots/webapps).

    data_check_string = every received field except `hash`, as "key=value", sorted by key, joined by "\n";
    secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token); hash = hex(HMAC_SHA256(secret_key, data_check_string)).
    """
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataError("initData is not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("initData repeats a field")
    received_hash = fields.pop("hash", "")
    if not received_hash:
        raise InitDataError("initData has no hash")
    data_check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret_key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret_key, data_check_string.encode(), hashlib.sha256).hexdigest()
    if not constant_time_equals(expected, received_hash.lower()):
        raise InitDataError("initData hash does not match")
    return fields


def telegram_user_of(fields: dict[str, str]) -> dict[str, Any]:
    """The `user` object of verified initData; it must carry a numeric id."""
    try:
        user = json.loads(fields.get("user", ""))
    except ValueError as exc:
        raise InitDataError("initData user is not JSON") from exc
    if not isinstance(user, dict) or not isinstance(user.get("id"), int) or isinstance(user.get("id"), bool):
        raise InitDataError("initData user has no numeric id")
    return user
