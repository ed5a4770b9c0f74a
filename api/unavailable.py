"""An unreachable database answers 503 SERVICE_UNAVAILABLE with Retry-After: the client learns to come back, the
connection stays usable, and the next request after the database returns simply works (no restart)."""
from __future__ import annotations

import logging

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from api.errors import error_response
from core.db.failures import is_database_unavailable

log = logging.getLogger("mechta.api")

# Every class a database outage arrives as; anything of these that is not an outage goes on to the 500 handler.
_OUTAGE_CLASSES: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
    asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError, TimeoutError,
)


def install_unavailable_handlers(app: FastAPI, retry_after_seconds: int) -> None:
    async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
        if not is_database_unavailable(error):
            raise error
        log.warning("database unavailable (%s) for %s %s", type(error).__name__, request.method, request.url.path)
        return error_response(503, "SERVICE_UNAVAILABLE",
                              "The service is temporarily unavailable; try again in a few seconds.",
                              details={"retry_after": retry_after_seconds},
                              headers={"Retry-After": str(retry_after_seconds)})

    for error_class in _OUTAGE_CLASSES:
        app.add_exception_handler(error_class, database_unavailable)  # type: ignore[arg-type]
