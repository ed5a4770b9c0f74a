"""Tell an unreachable database apart from a bug: such failures are answered "try again later" (the API's 503),
never as an internal error.

SQLAlchemy wraps most driver errors (OperationalError, InterfaceError, a connection invalidated mid-query), but a
connection refused or timed out while asyncpg connects reaches us raw, as an OSError or TimeoutError; those count
only when they were raised inside the database stack, so an unrelated network failure is not blamed on it.
"""
from __future__ import annotations

from sqlalchemy import exc as sa_exc

_DATABASE_MODULES = ("sqlalchemy.", "asyncpg.", "aiosqlite.", "sqlite3")


def is_database_unavailable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    if _is_asyncpg_connection_error(error):
        return True
    if isinstance(error, OSError | TimeoutError):
        return _raised_in_database_stack(error)
    return False


def _is_asyncpg_connection_error(error: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # SQLite-only installs
        return False
    return isinstance(error, asyncpg.PostgresConnectionError | asyncpg.InterfaceError
                      | asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError)


def _raised_in_database_stack(error: BaseException) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if module.startswith(_DATABASE_MODULES):
            return True
        traceback = traceback.tb_next
    return False
