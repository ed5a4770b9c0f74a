"""WheelService beyond HTTP: the previous entry for the bot's comparison chart, and `compare`."""
from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

import pytest

from core.errors import NotFound
from core.services.gamification import XP_REWARDS
from core.services.wheel import AreaChange, compare
from tests.helpers import make_user


def _entry(**scores: int) -> SimpleNamespace:
    return SimpleNamespace(scores=scores)


async def test_previous_is_the_entry_just_before(container, clock) -> None:
    user = await make_user(container)
    first = await container.wheel.create(user.id, {"health": 3})
    clock.advance(days=30)
    second = await container.wheel.create(user.id, {"health": 5})
    clock.advance(days=30)
    third = await container.wheel.create(user.id, {"health": 8})
    assert (await container.wheel.previous(user.id, third.id)).id == second.id
    assert (await container.wheel.previous(user.id, second.id)).id == first.id
    assert await container.wheel.previous(user.id, first.id) is None


async def test_previous_of_someone_elses_entry_is_not_found(container) -> None:
    owner = await make_user(container)
    stranger = await make_user(container)
    entry = await container.wheel.create(owner.id, {"health": 3})
    with pytest.raises(NotFound) as caught:
        await container.wheel.previous(stranger.id, entry.id)
    assert caught.value.code == "LIFE_WHEEL_NOT_FOUND"
    with pytest.raises(NotFound):
        await container.wheel.previous(owner.id, uuid.uuid4())


async def test_entries_saved_in_the_same_instant_still_have_an_order(container) -> None:
    user = await make_user(container)
    entries = [await container.wheel.create(user.id, {"health": n}) for n in range(3)]
    items, total = await container.wheel.history(user.id, 1, 10)
    assert total == 3 and sorted(e.id for e in items) == sorted(e.id for e in entries)
    newest = items[0]
    assert (await container.wheel.latest(user.id)).id == newest.id
    chain = [newest.id]
    while (before := await container.wheel.previous(user.id, chain[-1])) is not None:
        chain.append(before.id)
    assert chain == [e.id for e in items]


def test_compare_reports_deltas_and_averages() -> None:
    result = compare(_entry(health=7, career=4, finance=6), _entry(health=5, career=4, friends=9))
    assert result.areas == [
        AreaChange("health", 7, 5, 2),
        AreaChange("career", 4, 4, 0),
        AreaChange("finance", 6, None, None),
    ]
    assert result.average == 5.7 and result.previous_average == 6.0 and result.average_delta == -0.3


def test_compare_without_a_previous_entry() -> None:
    result = compare(_entry(health=7, career=4))
    assert [c.delta for c in result.areas] == [None, None]
    assert result.previous_average is None and result.average_delta is None and result.average == 5.5


def test_focus_is_the_three_lowest_with_ties_in_area_order() -> None:
    current = _entry(spirit=2, career=2, health=2, finance=2, growth=1, leisure=10)
    order = ["health", "career", "finance", "relationships", "friends", "growth", "leisure", "spirit"]
    result = compare(current, area_order=order)
    assert result.focus == ["growth", "health", "career"]
    assert [c.area_id for c in result.areas] == ["health", "career", "finance", "growth", "leisure", "spirit"]


def test_an_even_wheel_has_no_lowest_areas_to_focus_on() -> None:
    even = compare(_entry(health=7, career=7, finance=7, growth=7, leisure=10))
    three = compare(_entry(health=7, career=7, finance=7))

    assert even.focus == [] and even.even
    assert three.focus == ["health", "career", "finance"] and not three.even  # all of them fit the focus


def test_focus_leaves_out_perfect_scores() -> None:
    assert compare(_entry(health=10, career=9)).focus == ["career"]
    assert compare(_entry(health=10)).focus == []


async def test_refilling_the_wheel_the_same_day_saves_every_entry_and_pays_once(container) -> None:
    user = await make_user(container)
    # The third and later entries take the write path for an already paid day (one statement, no reward check).
    entries = [await container.wheel.create(user.id, {"health": n}, time_zone=user.time_zone) for n in range(4)]
    items, total = await container.wheel.history(user.id, 1, 10)
    assert total == 4 and {e.id for e in items} == {e.id for e in entries}
    assert {e.id: e.scores for e in items} == {e.id: e.scores for e in entries}
    assert (await container.gamification.profile(user.id)).xp == XP_REWARDS["wheel_completed"]


async def test_two_first_wheels_of_the_day_saved_at_once_are_both_kept_and_pay_once(container) -> None:
    user = await make_user(container)

    await asyncio.gather(*(container.wheel.create(user.id, {"health": n}, time_zone=user.time_zone) for n in (3, 7)))

    assert (await container.wheel.history(user.id, 1, 10))[1] == 2
    assert (await container.gamification.profile(user.id)).xp == XP_REWARDS["wheel_completed"]
