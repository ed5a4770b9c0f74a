"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""
from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

# Session.info keys: a read-only session, and the ids of users a transaction changed.
READ_ONLY = "mechta_read_only"
# Execution option: each statement is a write that stands alone (on SQLite, no BEGIN IMMEDIATE around it).
SINGLE_STATEMENT = "mechta_single_statement"
CHANGED_USERS = "mechta_changed_users"
# A pooled PostgreSQL connection idle this long is pinged before use; one back in the pool sooner is not.
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "mechta_checked_in_at"  # connection record info: time.monotonic() of its last check-in


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, echo: bool = False, connect_timeout: float = 3.0,
                  pool_timeout: float = 5.0) -> AsyncEngine:
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        # The same at most 15 connections as SQLAlchemy's default (5 kept, 10 more for a busy moment), all of them
        # kept: a connection opened past the kept ones was closed on return, and under steady load the bot opened one
        # (a thread, the file, the pragmas, every statement prepared again) every dozen updates.
        pooling = {} if make_url(url).database in (None, "", ":memory:") else {"pool_size": 15, "max_overflow": 0}
        engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30}, **pooling)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every sqlite test
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # Let SQLAlchemy's "begin" event decide how a transaction starts (see below).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection):  # pragma: no cover - exercised by every sqlite test
            # A deferred transaction that reads then writes can fail at once with "database is locked" when
            # another writer got there first; taking the write lock up front makes writers queue instead.
            # Reads (`Database.read()`) open no transaction: each statement is atomic by itself and, under WAL,
            # never waits for the writer. As on PostgreSQL (READ COMMITTED), each reads its own snapshot.
            # A write that is one statement needs no transaction either: SQLite runs it atomically by itself and
            # takes the write lock as it starts (waiting on busy_timeout), as BEGIN IMMEDIATE would.
            options = connection.get_execution_options()
            if not options.get(READ_ONLY, False) and not options.get(SINGLE_STATEMENT, False):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        _roll_back_only_open_transactions(engine)
        return engine
    # An unreachable server fails fast (connect timeout, a bounded wait for a pooled connection) and is answered
    # with 503 (core/db/failures.py); pinging idle connections replaces those that died with it, so it recovers by
    # itself. hide_parameters: an error's text never carries the values (user text, tokens) into a log.
    # At most 30 connections, as many of them kept open as a busy moment needed: a connection opened past the kept
    # ones is closed on return, and under steady load that meant a new connection (TLS attempt, start-up, statements
    # prepared again) every few requests.
    engine = create_async_engine(url, echo=echo, hide_parameters=True, pool_size=30, max_overflow=0,
                                 pool_timeout=pool_timeout, connect_args={"timeout": connect_timeout})
    _ping_idle_connections(engine)
    return engine


def _roll_back_only_open_transactions(engine: AsyncEngine) -> None:
    """SQLAlchemy rolls a SQLite connection back when its session ends and again when the pool takes it back, also
    when no transaction is open (a read, or a transaction already ended); each is a call on aiosqlite's thread. Only
    an open transaction is rolled back now (sqlite3's own `in_transaction` flag, read without that call): a one-row
    read costs about a quarter less CPU. Likewise a commit with no transaction open (a `SINGLE_STATEMENT` write ran
    on its own) is skipped. (Making a whole statement one call on that thread instead of four was measured too: no
    gain.)"""
    dialect = engine.sync_engine.dialect
    roll_back, commit = dialect.do_rollback, dialect.do_commit

    def _open(dbapi_connection) -> bool:
        try:
            return dbapi_connection.driver_connection.in_transaction
        except ValueError:  # aiosqlite's "no active connection": there is nothing to end
            return False

    def _roll_back_if_open(dbapi_connection) -> None:
        if _open(dbapi_connection):
            roll_back(dbapi_connection)

    def _commit_if_open(dbapi_connection) -> None:
        if _open(dbapi_connection):
            commit(dbapi_connection)

    dialect.do_rollback = _roll_back_if_open  # type: ignore[method-assign]
    dialect.do_commit = _commit_if_open  # type: ignore[method-assign]


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """SQLAlchemy's pre-ping, but only for a connection that sat in the pool a while: under load a connection is
    back in use within milliseconds, and a round trip per transaction to ask whether it is still alive cost as much
    as a query. A connection that dies in between fails its statement as a disconnect instead: SQLAlchemy then
    invalidates the whole pool, that request is answered 503 (core/db/failures.py) and the next ones reconnect."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _note_check_in(_dbapi_connection, record) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_when_idle(dbapi_connection, record, _proxy) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        # A fresh connection (no check-in yet) was just opened: nothing to ask, as with pre-ping.
        if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # As pre-ping: drop every pooled connection older than now and take a new one.
                raise exc.InvalidatePoolError() from error
            raise


@event.listens_for(Session, "after_flush")
def _note_changed_users(session: Session, _context) -> None:
    """Remember which users a flush inserted, changed or deleted; `Database.transaction` reports them on commit."""
    from core.db.models import User  # the models import this module's Base users; keep the import one way

    changed = session.info.setdefault(CHANGED_USERS, set())
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, User) and row.id is not None and (row not in session.dirty or session.is_modified(row)):
            changed.add(row.id)


def _refuse_writes(session: Session) -> None:
    if session.info.get(READ_ONLY):
        # On PostgreSQL a read session runs without a transaction: a write there would not be rolled back.
        raise RuntimeError("Database.read() sessions only read; write in Database.transaction()")


@event.listens_for(Session, "before_flush")
def _refuse_flush_in_reads(session: Session, _context, _instances) -> None:
    _refuse_writes(session)


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements_writing_in_reads(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _refuse_writes(state.session)


UsersChanged = Callable[[set[uuid.UUID]], Awaitable[None]]


class Database:
    """Owns the engine; `transaction()` is the unit of work every service use case runs in."""

    def __init__(self, url: str, *, echo: bool = False, connect_timeout: float = 3.0,
                 pool_timeout: float = 5.0) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo, connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # On PostgreSQL, reads and single-statement writes run on one AUTOCOMMIT engine: under READ COMMITTED every
        # statement reads its own snapshot, in a transaction or not, so neither needs BEGIN and COMMIT/ROLLBACK around
        # it, two round trips of their own. On SQLite reads open no transaction, and a one-statement write runs alone
        # (see `read` and `single_statement`).
        read_engine = self.engine
        if self.dialect == "postgresql":
            read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # Reads: on PostgreSQL in autocommit, on SQLite without a transaction (see `read`); for Core statements too.
        self.read_engine = read_engine.execution_options(**{READ_ONLY: True})
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False,
                                                    info={READ_ONLY: True})
        self.users_changed: list[UsersChanged] = []
        self._single_statement_engine = (read_engine if self.dialect == "postgresql"
                                         else self.engine.execution_options(**{SINGLE_STATEMENT: True}))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def insert(self, table):
        """An INSERT in this database's dialect, so it can take ON CONFLICT (both dialects spell it the same)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Commit on success, roll back on any exception: no half-written rows."""
        async with self.sessionmaker() as session:
            async with session.begin():
                yield session
            changed = session.info.pop(CHANGED_USERS, None)
        if changed:
            await self.report_users_changed(changed)

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a write that is one Core statement: atomic by itself, so it runs without BEGIN and COMMIT
        around it (on PostgreSQL in autocommit; on SQLite with `SINGLE_STATEMENT`, taking the write lock as it
        starts, as BEGIN IMMEDIATE would), and without an ORM session to set up and close."""
        async with self._single_statement_engine.connect() as connection:
            yield connection
            if connection.in_transaction():
                await connection.commit()

    async def report_users_changed(self, user_ids: set[uuid.UUID]) -> None:
        """Tell the listeners (the identity cache) that these users' rows changed or are gone. Transactions report
        the ORM changes they commit; a bulk statement that changes users reports them itself."""
        for callback in self.users_changed:
            await callback(user_ids)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading, without a transaction block (each statement reads its own snapshot), so reads never
        queue behind writes; it refuses to write."""
        async with self.read_sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
