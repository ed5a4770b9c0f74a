"""`Database.read()` sessions only read. They run without a transaction block (on PostgreSQL under READ COMMITTED each
statement reads its own snapshot either way; on SQLite each statement is atomic by itself), so a write there could not
be rolled back: it is refused. A write transaction that fails is still rolled back whole."""
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


async def test_a_read_opens_no_transaction_block(container, backend):
    async with container.db.read() as session:
        await session.scalars(select(User.id).limit(1))
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        in_transaction_block = raw.is_in_transaction() if backend == "postgres" else raw.in_transaction

    assert in_transaction_block is False


async def test_a_failed_transaction_is_rolled_back_whole(container):
    user = await make_user(container, first_name="Before")

    with pytest.raises(LookupError):
        async with container.db.transaction() as session:
            await session.execute(update(User).where(User.id == user.id).values(first_name="Half"))
            raise LookupError("the second half failed")

    assert (await container.users.get(user.id)).first_name == "Before"
    async with container.db.transaction() as session:  # the connection went back to the pool clean
        await session.execute(update(User).where(User.id == user.id).values(first_name="After"))
    assert (await container.users.get(user.id)).first_name == "After"


async def test_a_transaction_still_writes(container):
    user = await make_user(container, first_name="Before")

    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(first_name="After"))

    async with container.db.read() as session:
        assert (await session.scalars(select(User.first_name).where(User.id == user.id))).one() == "After"
