"""On SQLite, reads open no transaction and writes BEGIN IMMEDIATE: a read never waits for a writer holding the lock.
A write that is one statement runs on its own, with no transaction to begin or commit; the pool keeps its connections."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select, text, update

from core.db.engine import SINGLE_STATEMENT
from core.db.models import User
from tests.helpers import make_user


async def test_a_read_does_not_wait_for_an_open_write_transaction(container, backend):
    if backend != "sqlite":
        pytest.skip("the read/immediate distinction is SQLite's")
    user = await make_user(container, first_name="Before")

    async with container.db.transaction() as writer:
        await writer.execute(update(User).where(User.id == user.id).values(first_name="During"))
        # The writer holds SQLite's write lock now; a read must still answer at once, from the last commit.
        async with asyncio.timeout(2), container.db.read() as reader:
            seen = (await reader.scalars(select(User.first_name).where(User.id == user.id))).one()

    assert seen == "Before"


async def test_a_second_writer_waits_for_the_first_instead_of_failing(container, backend):
    if backend != "sqlite":
        pytest.skip("the read/immediate distinction is SQLite's")
    user = await make_user(container, first_name="A")
    first_holds_the_lock = asyncio.Event()

    async def first() -> None:
        async with container.db.transaction() as session:
            await session.execute(update(User).where(User.id == user.id).values(first_name="B"))
            first_holds_the_lock.set()
            await asyncio.sleep(0.3)

    async def second() -> None:
        await first_holds_the_lock.wait()
        async with container.db.transaction() as session:
            name = (await session.scalars(select(User.first_name).where(User.id == user.id))).one()
            await session.execute(update(User).where(User.id == user.id).values(first_name=name + "C"))

    await asyncio.gather(first(), second())

    async with container.db.read() as session:
        assert (await session.scalars(select(User.first_name).where(User.id == user.id))).one() == "BC"


async def test_a_single_statement_write_is_committed_without_a_commit_call(container, backend, monkeypatch):
    if backend != "sqlite":
        pytest.skip("SQLite's transactions")
    user = await make_user(container, first_name="Before")
    commits = []

    async with container.db.engine.execution_options(**{SINGLE_STATEMENT: True}).begin() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        commit = driver.commit
        monkeypatch.setattr(driver, "commit", lambda: commits.append(1) or commit())
        await connection.execute(update(User).where(User.id == user.id).values(first_name="After"))
        open_transaction = driver.in_transaction

    assert open_transaction is False and commits == []  # nothing was begun, so nothing is committed
    assert (await container.users.get(user.id)).first_name == "After"


async def test_connections_opened_for_a_busy_moment_are_kept_for_the_next(container, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's pool")
    opened = []
    event.listen(container.db.engine.sync_engine, "connect", lambda *_: opened.append(1))

    async def busy_moment() -> None:
        async def one_query() -> None:
            async with container.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                await asyncio.sleep(0.05)
        await asyncio.gather(*(one_query() for _ in range(12)))

    await busy_moment()
    after_the_first = len(opened)
    await busy_moment()

    assert len(opened) == after_the_first
