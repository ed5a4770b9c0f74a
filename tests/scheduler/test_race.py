"""Two schedulers over the same due users: every prompt is sent exactly once."""
import asyncio
import uuid
from datetime import time

import pytest
from sqlalchemy import insert, select

from core.bootstrap import Container
from core.db.models import User
from core.services.prompts_delivery import DeliveryReport, recompute_next_runs
from tests.scheduler.support import RecordingSender, at, log_rows

BERLIN = "Europe/Berlin"
USERS = 200


class YieldingSender(RecordingSender):
    """Gives the event loop away on every send, so the two schedulers really interleave."""

    async def send(self, user, kind, local_date) -> None:
        await asyncio.sleep(0)
        await super().send(user, kind, local_date)


async def _due_users(container: Container, count: int) -> None:
    rows = []
    for index in range(count):
        user = User(id=uuid.uuid4(), telegram_id=8_000_000_000 + index, time_zone=BERLIN, morning_time=time(8, 0),
                    evening_time=time(21, 0), locale="en", quiet_weekdays=[])
        recompute_next_runs(user, container.clock.now())
        rows.append({column.key: getattr(user, column.key) for column in User.__table__.columns
                     if getattr(user, column.key) is not None})
    async with container.db.transaction() as session:
        await session.execute(insert(User), rows)


@pytest.fixture
async def schedulers(container, settings, clock):
    """Two independent Containers (own engines and connections) on the test database, with small batches."""
    pair = [Container(settings.model_copy(update={"scheduler_batch_size": size}), clock=clock) for size in (13, 17)]
    yield pair
    for other in pair:
        await other.close()


async def test_two_schedulers_racing_send_every_prompt_exactly_once(container, schedulers, clock):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    await _due_users(container, USERS)
    senders = (YieldingSender(), YieldingSender())
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))

    reports = await asyncio.gather(*(scheduler.prompt_delivery.deliver_due(sender)
                                     for scheduler, sender in zip(schedulers, senders, strict=True)))

    assert all(sender.sent for sender in senders), "both schedulers should have taken part"
    sent = senders[0].sent + senders[1].sent
    assert len(sent) == USERS
    assert len({telegram_id for telegram_id, _, _ in sent}) == USERS
    assert sum(report.sent for report in reports) == USERS
    rows = await log_rows(container)
    assert len(rows) == USERS and {row.status for row in rows} == {"sent"}
    async with container.db.read() as session:
        next_runs = set((await session.scalars(select(User.next_morning_at))).all())
    assert next_runs == {at(BERLIN, 2024, 6, 4, 8, 0)}


async def test_postgres_claim_skips_users_locked_by_another_scheduler(container, schedulers, clock, backend):
    if backend != "postgres":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole write transactions")
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    await _due_users(container, 20)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))

    async with schedulers[1].db.transaction() as session:
        locked = (await session.scalars(select(User).order_by(User.telegram_id).limit(5).with_for_update())).all()
        # While those five rows are locked, a claim must neither wait for them nor take them.
        deliveries, _ = await asyncio.wait_for(container.prompt_delivery.claim_batch(DeliveryReport()), timeout=5)

    claimed = {delivery.user_id for delivery in deliveries}
    assert len(claimed) == 15
    assert claimed.isdisjoint({user.id for user in locked})
