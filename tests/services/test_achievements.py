"""Every achievement the product lists is earned by the use case it names, not by a hand-made XP event.

One test per achievement: it walks the real service (offline AI where AI is involved) and checks that the achievement
shows as obtained afterwards. A new achievement without such a test fails `test_every_listed_achievement_is_tested`.
"""
from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from core.bootstrap import Container
from core.clock import FrozenClock
from core.db.models import User
from core.services.gamification import ACHIEVEMENTS
from tests.helpers import make_user

START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # a Monday morning in Europe/Berlin


async def _user(container: Container, clock: FrozenClock) -> User:
    clock.set(START)
    return await make_user(container, time_zone="Europe/Berlin", locale="en")


async def _obtained(container: Container, user: User) -> set[str]:
    return {a.code for a in await container.gamification.achievements(user.id) if a.is_obtained}


async def _goal(container: Container, user: User) -> str:
    batch = await container.goals.create_batch(user.id, [{"title": "Run a half marathon", "horizon": "1y"}])
    return batch.items[0].id


async def _done_steps(container: Container, user: User, count: int) -> None:
    goal_id = await _goal(container, user)
    batch = await container.steps.create_batch(
        user.id, [{"goal_id": goal_id, "title": f"Run {n + 1}", "level": "day"} for n in range(count)])
    for step in batch.items:
        await container.steps.mark_done(user.id, step.id)


async def _morning_rituals(container: Container, clock: FrozenClock, user: User, days: int) -> None:
    for _ in range(days):
        await container.rituals.add_entry(user.id, entry_type="morning", answers={"intention": "Walk"})
        clock.advance(timedelta(days=1))


async def test_first_wheel_is_earned_by_filling_in_the_wheel(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)
    areas = await container.areas.active_areas()

    await container.wheel.create(user.id, {area.id: 6 for area in areas})

    assert "first_wheel" in await _obtained(container, user)
    assert (await container.gamification.profile(user.id)).xp == 20


async def test_the_wheel_pays_once_a_local_day(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)
    scores = {area.id: 5 for area in await container.areas.active_areas()}

    await container.wheel.create(user.id, scores)
    await container.wheel.create(user.id, scores)
    clock.advance(timedelta(days=1))
    await container.wheel.create(user.id, scores)

    assert (await container.gamification.profile(user.id)).xp == 40


async def test_first_wants_is_earned_by_the_wants_analysis(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)
    await container.wants.create_raw(user.id)
    await container.wants.start_stream(user.id)
    await container.wants.append_stream(user.id, "I want to run a marathon\nI want a garden")
    await container.wants.finish_stream(user.id)
    await container.wants.set_future_me(user.id, "I am 40. I live by the sea and run every morning.")
    await container.wants.finish_future_me(user.id)
    await container.wants.update_reverse(user.id, {"raw_envy": "Friends who travel", "raw_regrets": "Too little sport",
                                                   "raw_what_to_do_5y": "Build a studio"})
    await container.wants.complete(user.id)

    await container.wants.analyze(user)

    assert "first_wants" in await _obtained(container, user)


async def test_first_story_is_earned_by_generating_the_future_story(container: Container,
                                                                    clock: FrozenClock) -> None:
    user = await _user(container, clock)
    await container.future_story.save_draft(user, "health", "I run every morning and sleep eight hours.")

    await container.future_story.generate(user)

    assert "first_story" in await _obtained(container, user)


async def test_first_goal_is_earned_by_saving_goals(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _goal(container, user)

    assert "first_goal" in await _obtained(container, user)


async def test_first_ritual_is_earned_by_a_morning_ritual(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _morning_rituals(container, clock, user, days=1)

    assert "first_ritual" in await _obtained(container, user)


async def test_streak_3_is_earned_by_three_ritual_days_in_a_row(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _morning_rituals(container, clock, user, days=2)
    assert "streak_3" not in await _obtained(container, user)
    await _morning_rituals(container, clock, user, days=1)

    assert "streak_3" in await _obtained(container, user)


async def test_streak_7_is_earned_by_seven_ritual_days_in_a_row(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _morning_rituals(container, clock, user, days=7)

    assert "streak_7" in await _obtained(container, user)


async def test_streak_30_is_earned_by_thirty_ritual_days_in_a_row(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _morning_rituals(container, clock, user, days=29)
    assert "streak_30" not in await _obtained(container, user)
    await _morning_rituals(container, clock, user, days=1)

    assert "streak_30" in await _obtained(container, user)


async def test_first_step_done_is_earned_by_finishing_a_step(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _done_steps(container, user, 1)

    assert "first_step_done" in await _obtained(container, user)


async def test_steps_25_is_earned_by_finishing_twenty_five_steps(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _done_steps(container, user, 24)
    assert "steps_25" not in await _obtained(container, user)
    await _done_steps(container, user, 1)

    assert "steps_25" in await _obtained(container, user)


async def test_first_goal_done_is_earned_by_reaching_a_goal(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)
    goal_id = await _goal(container, user)

    await container.goals.update(user.id, goal_id, {"title": "Run a half marathon", "horizon": "1y", "status": "done"})

    assert "first_goal_done" in await _obtained(container, user)


async def test_first_weekly_review_is_earned_by_the_weekly_review(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)
    await _morning_rituals(container, clock, user, days=5)

    await container.rituals.analyze_week(user.id, "A steady week; mornings worked.")

    assert "first_weekly_review" in await _obtained(container, user)


async def test_level_5_is_earned_by_enough_real_progress(container: Container, clock: FrozenClock) -> None:
    user = await _user(container, clock)

    await _done_steps(container, user, 45)  # 15 + 10 + 45 × 10 = 475 XP: level 4
    assert "level_5" not in await _obtained(container, user)
    await _morning_rituals(container, clock, user, days=3)  # +30 XP → 505

    assert "level_5" in await _obtained(container, user)


def test_every_listed_achievement_is_tested() -> None:
    tests = {name for name in dir(sys.modules[__name__]) if name.startswith("test_")}

    untested = [a.code for a in ACHIEVEMENTS if not any(name.startswith(f"test_{a.code}_") for name in tests)]

    assert untested == []
