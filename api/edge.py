"""The API's edge: core.validation's character rule applied once to every request, before any route runs.

Every API router is built with `route_class=EdgeRoute`: before FastAPI resolves the route's dependencies and
parses its input, `reject_unclean_input` checks path and query parameters (single-line) and every string in a JSON
body (keys included; text may keep tab and line breaks), and the first offenders come back as one 422
VALIDATION_ERROR naming each field — the same shape as pydantic's own errors. A route class rather than an
app-level dependency: FastAPI's dependency resolution costs more per request than the check itself.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from core.validation import find_unclean_strings, forbidden_characters, problem_message

MAX_REPORTED_FIELDS = 20


def _error(location: tuple[str | int, ...], chars: list[str]) -> dict[str, Any]:
    return {"type": "control_characters", "loc": location, "msg": problem_message(chars), "input": None}


async def _json_body(request: Request) -> Any:
    if "json" not in request.headers.get("content-type", ""):
        return None
    if not await request.body():  # Starlette keeps the body for FastAPI
        return None
    try:
        return await request.json()  # kept too: FastAPI validates the route's body from this very parse
    except (ValueError, RecursionError):
        return None  # not JSON we can read: FastAPI's own parsing answers it, or the route takes no body


async def reject_unclean_input(request: Request) -> None:
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (chars := forbidden_characters(value, multiline=False)):
            errors.append(_error(("path", name), chars))
    if request.scope.get("query_string"):  # most requests have none: skip parsing an empty query
        for name, value in request.query_params.multi_items():
            for location, text in ((("query", name), value), (("query",), name)):
                if chars := forbidden_characters(text, multiline=False):
                    errors.append(_error(location, chars))
    body = await _json_body(request)
    if body is not None:
        for location, chars in find_unclean_strings(body):
            errors.append(_error(("body", *location), chars))
            if len(errors) >= MAX_REPORTED_FIELDS:
                break
    if errors:
        raise RequestValidationError(errors[:MAX_REPORTED_FIELDS])


class EdgeRoute(APIRoute):
    """An API route whose input passes `reject_unclean_input` first: before authentication and before FastAPI's own
    validation, as the app-level dependency it replaces did. FastAPI reads the body through the same request, which
    keeps it, so it is received once."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await reject_unclean_input(request)
            return await handler(request)

        return checked
