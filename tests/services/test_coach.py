"""The coach's context and question rules in core: parts trimmed to the budget, what went in logged without the
content, questions cleaned, memory cleared."""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from core.bootstrap import Container
from core.db.models import Goal, JournalEntry, Step
from core.errors import Unprocessable
from core.services.coach import CONTENT_MAX, clean_question, latest_within
from tests.helpers import make_user

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


async def person_with_a_full_week(container: Container, steps: int = 8):
    container.clock.set(NOW)
    user = await make_user(container, locale="en", time_zone="Europe/Berlin")
    goal = Goal(id=uuid.uuid4(), user_id=user.id, title="Write a novel", horizon="1y")
    today = container.clock.local_today(user.time_zone)
    async with container.db.transaction() as session:
        session.add(goal)
        await session.flush()
        session.add_all([Step(id=uuid.uuid4(), user_id=user.id, goal_id=goal.id, level="day", planned_date=today,
                              title=f"Write chapter {number} " + "with care " * 20) for number in range(steps)])
    await container.wheel.create(user.id, {"health": 5, "career": 7})
    return user


async def test_the_context_keeps_the_most_useful_parts_within_the_budget(container: Container) -> None:
    user = await person_with_a_full_week(container)
    roomy = await container.coach.context(user)
    container.settings.coach_context_tokens = 400
    try:
        tight = await container.coach.context(user)
    finally:
        container.settings.coach_context_tokens = 1500

    assert roomy.included[:3] == ["now", "today_steps", "goals"] and "wheel" in roomy.included
    assert "today_steps" in tight.left_out and "today_steps" not in tight.data
    assert tight.tokens <= 400 and "goals" in tight.included and "wheel" in tight.included
    # Steps left out of the prompt cannot be named by a suggested action.
    assert len(roomy.actionable) == 8 and tight.actionable == {}


async def test_the_log_says_which_parts_went_in_never_their_content(container: Container, caplog,
                                                                    ) -> None:
    user = await person_with_a_full_week(container, steps=1)

    with caplog.at_level(logging.INFO, logger="mechta.coach"):
        await container.coach.ask(user, "What first?")

    [line] = [record.getMessage() for record in caplog.records if "coach context" in record.getMessage()]
    assert "included now,today_steps,goals" in line and "wheel" in line
    assert "Write a novel" not in line and "chapter" not in line and "What first?" not in line


@pytest.mark.parametrize(("text", "cleaned"), [("  hello\x00 there  ", "hello there"), ("x" * CONTENT_MAX,
                                                                                      "x" * CONTENT_MAX)])
def test_questions_are_cleaned(text: str, cleaned: str) -> None:
    assert clean_question(text) == cleaned


@pytest.mark.parametrize("text", ["", "   ", "\x00\x00", "y" * (CONTENT_MAX + 1), "z" * 10_000])
def test_empty_or_huge_questions_are_refused_with_their_length(text: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        clean_question(text)

    assert refused.value.code == "COACH_QUESTION_INVALID" and refused.value.details["limit"] == CONTENT_MAX


async def test_a_huge_question_spends_nothing_and_is_not_remembered(container: Container) -> None:
    user = await person_with_a_full_week(container, steps=1)

    with pytest.raises(Unprocessable):
        await container.coach.ask(user, "z" * 10_000)

    assert (await container.quotas.usage(user))["text"]["used"] == 0
    assert await container.coach.memory(user.id) == []


def test_a_long_memory_keeps_its_newest_turns_within_the_budget() -> None:
    turns = [{"role": "user", "content": f"{number}" * 100} for number in range(10)]

    kept = latest_within(turns, 350)

    assert [turn["content"][0] for turn in kept] == ["7", "8", "9"]
    assert latest_within([{"role": "user", "content": "x" * 1000}], 10) == [{"role": "user", "content": "x" * 1000}]


async def test_the_context_holds_the_week_the_calendar_the_mood_trend_the_wheel_change_and_the_streak(
        container: Container) -> None:
    user = await person_with_a_full_week(container, steps=1)
    today = container.clock.local_today(user.time_zone)
    goal = (await container.goals.list(user.id))[0]
    await container.steps.create_batch(user.id, [{"goal_id": goal.id, "title": "Edit chapter one", "level": "day",
                                                  "planned_date": today + timedelta(days=2)}])
    await container.calendar.create_event(user, {"title": "Dentist", "start": NOW + timedelta(hours=4),
                                                 "end": NOW + timedelta(hours=5)})
    container.clock.advance(minutes=1)  # the second wheel, a minute later
    await container.wheel.create(user.id, {"health": 7, "career": 6})
    async with container.db.transaction() as session:  # an entry of last week, written back then
        session.add(JournalEntry(user_id=user.id, type="morning", local_date=today - timedelta(days=8),
                                 mood_score=4, energy_score=3))
    await container.rituals.add_entry(user.id, entry_type="morning", answers={}, mood_score=8, energy_score=7)

    context = await container.coach.context(user)

    assert [step["title"] for step in context.data["week_steps"]] == ["Edit chapter one"]
    assert context.data["week_steps"][0]["date"] == (today + timedelta(days=2)).isoformat()
    assert [block["title"] for block in context.data["calendar_blocks"]] == ["Dentist"]
    assert context.data["calendar_blocks"][0]["when"].startswith("Tue 10.03 13:00–14:00")
    assert context.data["mood_energy"]["last_7_days"] == {"mood": 8.0, "energy": 7.0}
    assert context.data["mood_energy"]["the_7_days_before"] == {"mood": 4.0, "energy": 3.0}
    assert context.data["wheel"]["scores"] == {"health": 7, "career": 6}
    assert context.data["wheel"]["change_since_previous"] == {"health": 2, "career": -1}
    assert context.data["streak"]["days"] == 1
    assert context.left_out == []
