"""Password hashing, JWTs and hashed one-time secrets."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

_password_hash = PasswordHash.recommended()

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


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


class TokenCodec:
    def __init__(self, secret: str, algorithm: str = "HS256") -> None:
        self._secret = secret
        self._algorithm = algorithm

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
        return jwt.encode(payload, self._secret, algorithm=self._algorithm)

    def decode(self, token: str, *, now: datetime) -> dict[str, Any]:
        """Raises jwt.PyJWTError on a bad signature, a malformed token or expiry (checked against `now`)."""
        payload = jwt.decode(
            token, self._secret, algorithms=[self._algorithm],
            options={"verify_exp": False, "require": ["sub", "type", "session_id", "exp", "jti"]},
        )
        if payload["exp"] <= int(now.timestamp()):
            raise jwt.ExpiredSignatureError("token expired")
        return payload
