"""The error side of the OpenAPI: one envelope schema and, per operation, every status it can answer with the
error codes behind it.

The codes come from the domain: `domain_error_codes()` reads the core modules a router's use cases live in (an AST
scan of `DomainError` constructions, `error_prefix=` AI codes included), so a new `raise NotFound("X_NOT_FOUND")`
in a service shows up in the docs without a second list to keep. The statuses every operation shares come from
what the operation is: authenticated (401 + 403 inactive), admin-only (403), with parameters (422), with a body
(413, 422), and the ones any request can meet (429 rate limits, 500, 503 when the database is unreachable).
"""
from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.envelope import ErrorBody, Meta

CORE_DIR = Path(__file__).resolve().parents[2] / "core"

# Status and default code of each DomainError subclass (core/errors.py), for constructions without a code.
_ERROR_CLASSES: dict[str, tuple[int, str | None]] = {
    "DomainError": (400, "DOMAIN_ERROR"), "BadRequest": (400, None), "Unauthorized": (401, "AUTH_UNAUTHORIZED"),
    "Forbidden": (403, "AUTH_FORBIDDEN"), "NotFound": (404, "NOT_FOUND"), "Conflict": (409, None),
    "Unprocessable": (422, "VALIDATION_ERROR"), "TooManyRequests": (429, "RATE_LIMITED"),
    "QuotaExceeded": (403, "QUOTA_EXCEEDED"), "AITimeout": (504, None), "AIFailed": (502, None),
}
# AIService.run/image turn `error_prefix=` into these codes (core/services/ai.py).
_AI_PREFIX_CODES = {504: ("_AI_TIMEOUT",), 502: ("_AI_FAILED", "_AI_BAD_RESPONSE")}

AUTHENTICATED = {401: {"AUTH_UNAUTHORIZED", "AUTH_INVALID_TOKEN", "AUTH_INVALID_TOKEN_TYPE", "AUTH_TOKEN_EXPIRED",
                       "AUTH_SESSION_REVOKED"}, 403: {"AUTH_USER_INACTIVE"}}
ADMIN_ONLY = {403: {"AUTH_FORBIDDEN"}}
WITH_PARAMETERS = {422: {"VALIDATION_ERROR"}}
WITH_BODY = {400: {"BAD_REQUEST"}, 413: {"PAYLOAD_TOO_LARGE"}, 415: {"UNSUPPORTED_MEDIA_TYPE"},
             422: {"VALIDATION_ERROR"}}
ANY_REQUEST = {429: {"RATE_LIMITED"}, 500: {"INTERNAL_ERROR"}, 503: {"SERVICE_UNAVAILABLE"}}

_STATUS_TEXT = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
                410: "Gone", 413: "Body too large", 415: "Not JSON", 422: "Invalid input", 429: "Too many requests",
                500: "Unexpected error (quote meta.request_id)", 502: "The AI or Google failed",
                503: "Temporarily unavailable", 504: "The AI did not answer in time"}


class ErrorEnvelope(BaseModel):
    """Every error: `ok` is false, `result` null, `error.code` one of the codes listed for the status."""

    ok: Literal[False]
    result: None
    error: ErrorBody
    meta: Meta


CodeTable = dict[int, set[str]]


def _merge(*tables: CodeTable) -> CodeTable:
    merged: CodeTable = defaultdict(set)
    for table in tables:
        for status, codes in table.items():
            merged[status] |= set(codes)
    return merged


def _constant(node: ast.AST | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


@cache
def _file_codes(path: Path) -> tuple[tuple[int, str], ...]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        prefix = _constant(keywords.get("error_prefix"))
        if isinstance(prefix, str):
            found |= {(status, prefix + suffix) for status, suffixes in _AI_PREFIX_CODES.items() for suffix in suffixes
                      if suffix != "_AI_BAD_RESPONSE" or _call_name(node) == "image"}
        name = _call_name(node)
        if name not in _ERROR_CLASSES:
            continue
        status, default_code = _ERROR_CLASSES[name]
        status = _constant(keywords.get("http_status")) or status
        code = _constant(node.args[0]) if node.args else _constant(keywords.get("code"))
        code = code if isinstance(code, str) else default_code
        if code:
            found.add((status, code))
    return tuple(sorted(found))


def domain_error_codes(modules: Iterable[str]) -> CodeTable:
    """{status: codes} raised in these core modules (paths relative to core/, folders scanned whole)."""
    table: CodeTable = defaultdict(set)
    for module in modules:
        path = CORE_DIR / module
        files = sorted(p.relative_to(CORE_DIR).as_posix() for p in path.rglob("*.py")) if path.is_dir() else [module]
        for relative in files:
            for status, code in _file_codes(CORE_DIR / relative):
                table[status].add(code)
    return table


def _dependency_calls(dependant: Dependant) -> set[Any]:
    calls = {dependant.call}
    for sub in dependant.dependencies:
        calls |= _dependency_calls(sub)
    return calls


def route_error_table(route: APIRoute, domain: CodeTable) -> CodeTable:
    from api.deps import get_admin_user, get_current_user, get_principal

    calls = _dependency_calls(route.dependant)
    parts = [domain, ANY_REQUEST]
    if calls & {get_principal, get_current_user}:
        parts.append(AUTHENTICATED)
    if get_admin_user in calls:
        parts.append(ADMIN_ONLY)
    if route.dependant.path_params or route.dependant.query_params or route.dependant.header_params:
        parts.append(WITH_PARAMETERS)
    if route.dependant.body_params:
        parts.append(WITH_BODY)
    return _merge(*parts)


def error_responses(table: CodeTable, *, json_route: bool = True) -> dict[int | str, dict[str, Any]]:
    # Errors are JSON even on routes that answer HTML or files; there the schema is named explicitly (FastAPI would
    # file a `model` under the route's own media type).
    body: dict[str, Any] = {"model": ErrorEnvelope} if json_route else {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
    return {status: {**body, "description": f"{_STATUS_TEXT.get(status, 'Error')}. `error.code`: "
                                            + ", ".join(f"`{code}`" for code in sorted(codes))}
            for status, codes in sorted(table.items())}


def document_errors(router: APIRouter, core_modules: Iterable[str], *, extra: CodeTable | None = None) -> None:
    """Give each operation of the router `responses=` for every error status it can answer, codes listed."""
    domain = _merge(domain_error_codes(core_modules), extra or {})
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        own = defaultdict(set)  # errors the route module raises itself
        for status, code in _file_codes(Path(inspect.getsourcefile(route.endpoint) or "")):
            own[status].add(code)
        table = route_error_table(route, _merge(domain, own))
        json_route = getattr(route.response_class, "media_type", None) in (None, "application/json")
        for status, response in error_responses(table, json_route=json_route).items():
            existing = route.responses.get(status) or route.responses.get(str(status))
            if existing is None:
                route.responses[status] = response
