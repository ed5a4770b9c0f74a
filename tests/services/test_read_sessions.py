"""`Database.read()` sessions only read. On PostgreSQL they run without BEGIN and ROLLBACK (under READ COMMITTED each
statement reads its own snapshot either way), so a write there could not be rolled back: it is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.db.models import User
from tests.helpers import make_user


async def test_a_read_session_refuses_an_orm_write_and_writes_nothing(container):
    user = await make_user(container, first_name="Before")

    with pytest.raises(RuntimeError, match="only read"):
        async with container.db.read() as session:
            row = await session.get(User, user.id)
            row.first_name = "After"
            await session.flush()

    assert (await container.users.get(user.id)).first_name == "Before"


async def test_a_read_session_refuses_an_update_statement_and_writes_nothing(container):
    user = await make_user(container, first_name="Before")

    with pytest.raises(RuntimeError, match="only read"):
        async with container.db.read() as session:
            await session.execute(update(User).where(User.id == user.id).values(first_name="After"))

    assert (await container.users.get(user.id)).first_name == "Before"


async def test_a_read_on_postgresql_opens_no_transaction_block(container, backend):
    if backend != "postgres":
        pytest.skip("SQLite reads begin deferred (tests/services/test_sqlite_transactions.py)")
    async with container.db.read() as session:
        await session.scalars(select(User.id).limit(1))
        raw = await (await session.connection()).get_raw_connection()
        in_transaction_block = raw.driver_connection.is_in_transaction()

    assert in_transaction_block is False


async def test_a_transaction_still_writes(container):
    user = await make_user(container, first_name="Before")

    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(first_name="After"))

    async with container.db.read() as session:
        assert (await session.scalars(select(User.first_name).where(User.id == user.id))).one() == "After"
