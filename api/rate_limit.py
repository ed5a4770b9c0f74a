"""Incoming rate limits at the edge: a general limit per client on every /api/v1 request (the signed-in user,
else the IP) and tighter per-IP limits on the endpoints people guess at (sign-in, sign-up, refresh, password
reset, verification codes, the ICS feed). The failed sign-in throttle (per IP and account) needs the body and
lives in the auth service. Counters are in Redis, or in-process while it is away (core/rate_limits.py)."""
from __future__ import annotations

import re

from limits import RateLimitItem
from starlette.types import ASGIApp, Receive, Scope, Send

from core.bootstrap import Container
from core.errors import TooManyRequests
from core.rate_limits import RateLimits
from core.security import ACCESS, pyjwt

jwt = pyjwt()  # at import, while the process starts: HS256 only, without cryptography (core/security.py)
API_PREFIX = "/api/v1/"
# Telegram's own deliveries: its retries must not be refused, and it is authenticated by its secret.
EXEMPT_PATHS = frozenset({"/api/v1/telegram/webhook"})
_FEED_PATH = re.compile(r"^/api/v1/calendar/feed/[^/]+\.ics$")
_BY_PATH: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/signin"): "signin",
    ("POST", "/api/v1/auth/signup"): "signup",
    ("POST", "/api/v1/auth/refresh"): "refresh",
    ("POST", "/api/v1/auth/request-password-reset"): "password_reset",
    ("POST", "/api/v1/auth/reset-password"): "password_reset",
    ("POST", "/api/v1/auth/check-email-verification-code"): "verification",
    ("POST", "/api/v1/auth/send-email-verification"): "verification",
}


def endpoint_limit(limits: RateLimits, method: str, path: str) -> tuple[str, RateLimitItem] | None:
    """The endpoint's own per-IP limit, if it has one."""
    name = _BY_PATH.get((method, path))
    if name is None and method in ("GET", "HEAD") and _FEED_PATH.match(path):
        name = "feed"
    return (name, getattr(limits, name)) if name else None


def client_identity(container: Container, scope: Scope, ip: str) -> str:
    """`user:<id>` for a valid access token (its signature checked, so nobody spends another's budget), else
    `ip:<address>`."""
    authorization = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            payload = container.auth.codec.decode(token.strip(), now=container.clock.now())
        except (jwt.PyJWTError, TypeError, ValueError, KeyError):
            payload = None
        if payload is not None and payload.get("type") == ACCESS:
            return f"user:{payload['sub']}"
    return f"ip:{ip}"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX) or path in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        container: Container = scope["app"].state.container
        limits = container.rate_limits
        ip = scope["client"][0] if scope.get("client") else "unknown"
        try:
            own = endpoint_limit(limits, scope["method"], path)
            if own is not None:
                name, limit = own
                await limits.hit(limit, name, ip)
            await limits.hit_leased(limits.general, "general", client_identity(container, scope, ip))
        except TooManyRequests as refused:
            from api.errors import error_response

            response = error_response(429, refused.code, refused.message, details=refused.details,
                                      headers=refused.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
