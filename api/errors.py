"""Map every failure — domain errors, HTTP errors, validation, the unexpected — to the envelope."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.envelope import Envelope, ErrorBody, current_request_id
from core.errors import DomainError

log = logging.getLogger("mechta.api")

HTTP_CODES = {
    400: ("BAD_REQUEST", "The request is malformed."),
    401: ("AUTH_UNAUTHORIZED", "Authentication is required."),
    403: ("AUTH_FORBIDDEN", "You are not allowed to do this."),
    404: ("NOT_FOUND", "This address does not exist."),
    405: ("METHOD_NOT_ALLOWED", "This method is not allowed here."),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Send JSON (Content-Type: application/json)."),
    429: ("RATE_LIMITED", "Too many requests."),
}


def error_response(status: int, code: str, message: str, *, details: dict[str, Any] | None = None,
                   fields: dict[str, list[str]] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = Envelope.failure(ErrorBody(code=code, http_code=status, message=message,
                                      details=details or {}, fields=fields or {}))
    all_headers = {"X-Request-ID": current_request_id(), **(headers or {})}
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=all_headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "body")


async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
    return error_response(exc.http_status, exc.code, exc.message, details=exc.details, fields=exc.fields,
                          headers=exc.headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, message = HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "The request failed."))
    if isinstance(exc.detail, str) and exc.detail and exc.status_code not in (404, 405):
        message = exc.detail
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return error_response(exc.status_code, code, message, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. Starlette's 405 names only the first route that matched the
    path, and FastAPI keeps one route per method, so GET /me would be said to allow GET alone."""
    routes = request.app.router.routes
    return [method for method in PROBED_METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)]


PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors():
        fields.setdefault(_field_name(tuple(err.get("loc", ()))), []).append(err.get("msg", "Invalid value"))
    return error_response(422, "VALIDATION_ERROR", "Some fields are invalid.", fields=fields)


def _is_data_error(exc: DBAPIError) -> bool:
    """The database or its driver refused a value: SQLSTATE class 22 ("data exception") from the server, or the
    driver unable to encode a parameter (asyncpg's client-side DataError is a ValueError)."""
    if isinstance(exc, DataError):
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        if str(getattr(cause, "sqlstate", "") or "").startswith("22"):
            return True
        if isinstance(cause, ValueError | TypeError | OverflowError):
            return True
        cause = cause.__cause__
    return False


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    """A value that validation let through but the database refused (too long, out of range, unencodable) is the
    client's input: a 422, logged by kind only (the driver's message may quote the value). Anything else is ours."""
    if not _is_data_error(exc):
        raise exc
    route = request.scope.get("route")
    log.warning("database refused a value (%s) on %s %s", type(exc.orig).__name__, request.method,
                getattr(route, "path", "?"))
    return error_response(422, "VALIDATION_ERROR", "A value is too long or out of range for its field.")


def internal_error_response() -> JSONResponse:
    """The answer to an unexpected failure; the request id in the header and meta is the one to quote.
    The connection is closed so a kept-alive client starts clean rather than meeting a reset."""
    return error_response(500, "INTERNAL_ERROR",
                          "Something went wrong on our side. Quote the request id if you contact support.",
                          headers={"Connection": "close"})


def install_error_handlers(app: FastAPI) -> None:
    """Unexpected exceptions are answered by api.middleware.RequestContextMiddleware (once, logged once)."""
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
