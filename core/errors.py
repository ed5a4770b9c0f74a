"""One error hierarchy for the bot and the API: a stable code, an HTTP status and optional details/fields."""
from __future__ import annotations

from typing import Any


class ConfigurationError(RuntimeError):
    """The process cannot start with the given settings."""


class DomainError(Exception):
    code: str = "DOMAIN_ERROR"
    http_status: int = 400
    message: str = "The request cannot be processed."

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        *,
        http_status: int | None = None,
        details: dict[str, Any] | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.code = code or self.code
        self.message = message or self.message
        self.http_status = http_status or self.http_status
        self.details = details or {}
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(f"{self.code}: {self.message}")


class BadRequest(DomainError):
    http_status = 400


class Unauthorized(DomainError):
    code = "AUTH_UNAUTHORIZED"
    http_status = 401
    message = "Authentication is required."


class Forbidden(DomainError):
    code = "AUTH_FORBIDDEN"
    http_status = 403
    message = "You are not allowed to do this."


class NotFound(DomainError):
    code = "NOT_FOUND"
    http_status = 404
    message = "Not found."


class Conflict(DomainError):
    http_status = 409


class Unprocessable(DomainError):
    code = "VALIDATION_ERROR"
    http_status = 422
    message = "Some fields are invalid."


class TooManyRequests(DomainError):
    code = "RATE_LIMITED"
    http_status = 429
    message = "Too many attempts. Try again later."

    def __init__(self, retry_after: int, **kwargs: Any) -> None:
        kwargs.setdefault("details", {"retry_after": retry_after})
        super().__init__(**kwargs, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class QuotaExceeded(DomainError):
    code = "QUOTA_EXCEEDED"
    http_status = 403
    message = "The monthly limit for this feature is used up."


class AITimeout(DomainError):
    http_status = 504
    message = "The AI did not answer in time. Your input is saved; please try again."


class ServiceUnavailableAI(DomainError):
    """An AI feature that the offline provider cannot stand in for (hearing a voice note)."""

    http_status = 503
    message = "This needs the online AI, which is not configured here."


class AIFailed(DomainError):
    http_status = 502
    message = "The AI could not produce a valid answer. Your input is saved; please try again."
