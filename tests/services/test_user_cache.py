"""Telegram users resolved on every bot update: a person seen a moment ago costs no query, and any change made
through this process is seen at once."""
from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import event, update

from core.bootstrap import Container
from core.db.models import User
from core.services.users import RecentUsers, TelegramProfile


class Queries:
    def __init__(self, container) -> None:
        self.engine = container.db.engine.sync_engine
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


async def test_a_person_seen_a_moment_ago_costs_no_query(container) -> None:
    profile = TelegramProfile(telegram_id=501, username="anna")
    first, created = await container.users.resolve_telegram_user(profile)
    queries = Queries(container)
    try:
        again, created_again = await container.users.resolve_telegram_user(profile)
    finally:
        queries.close()

    assert created and not created_again
    assert again.id == first.id
    assert queries.count == 0


async def test_a_profile_change_through_the_service_is_seen_by_the_next_update(container) -> None:
    user, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=502, language_code="ru"))

    await container.users.update_profile(user.id, {"locale": "en", "time_zone": "Asia/Tokyo"})
    seen, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=502, language_code="ru"))

    assert (seen.locale, seen.time_zone) == ("en", "Asia/Tokyo")


async def test_a_bulk_update_of_users_is_seen_by_the_next_update(container) -> None:
    user, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=503))

    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(plan="pro"))
    seen, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=503))

    assert seen.plan == "pro"


async def test_a_new_username_is_written_and_an_unchanged_one_is_not(container) -> None:
    await container.users.resolve_telegram_user(TelegramProfile(telegram_id=504, username="old"))

    renamed, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=504, username="new"))
    container.users.recent.clear()
    stored, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=504, username="new"))

    assert renamed.telegram_username == stored.telegram_username == "new"


async def test_a_change_made_by_another_replica_is_seen_at_once_through_redis(container, settings, clock) -> None:
    other_replica = Container(settings, clock=clock)
    try:
        user, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=505, language_code="ru"))
        await asyncio.sleep(0.5)  # this replica now listens for the others' changes

        await other_replica.users.update_profile(user.id, {"locale": "en"})
        async with asyncio.timeout(5):
            while container.users.recent.get(505) is not None:
                await asyncio.sleep(0.05)
        seen, _ = await container.users.resolve_telegram_user(TelegramProfile(telegram_id=505, language_code="ru"))
    finally:
        await other_replica.close()

    assert seen.locale == "en"


def _person(telegram_id: int) -> User:
    return User(id=uuid.uuid4(), telegram_id=telegram_id, locale="en", time_zone="UTC")


def test_the_recent_users_keep_at_most_their_bound_the_longest_kept_leaving_first() -> None:
    recent = RecentUsers(60, maxsize=3)
    people = [_person(telegram_id) for telegram_id in (1, 2, 3, 4)]
    for person in people:
        recent.put(person)

    assert len(recent) == 3 and recent.get(1) is None and recent.get(4) is people[3]
    recent.forget({people[1].id}, set())  # by user id, through the index
    assert recent.get(2) is None and recent.get(3) is people[2] and len(recent) == 2


def test_a_person_whose_telegram_id_changed_is_kept_once_and_forgotten_by_id() -> None:
    recent = RecentUsers(60)
    person = _person(10)
    recent.put(person)
    moved = User(id=person.id, telegram_id=11, locale="en", time_zone="UTC")
    recent.put(moved)

    assert recent.get(10) is None and recent.get(11) is moved
    recent.forget({person.id}, set())
    assert recent.get(11) is None and len(recent) == 0
