"""Pure rules of goals, steps, rituals, gamification and the day's energy."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import Unprocessable
from core.prompts.daily_tip import offline_daily_tip
from core.prompts.goals import offline_goals
from core.prompts.steps import offline_steps
from core.prompts.weekly_review import offline_weekly_review
from core.services.esoterics import moon_info, numerology, reduce_number
from core.services.gamification import level_for_xp, streaks, xp_for_level
from core.services.rituals import clean_answers, entry_local_date, last_review_day_before, review_week_for
from core.services.steps import _parents_first, is_wider


@pytest.mark.parametrize("xp, level", [(0, 1), (49, 1), (50, 2), (149, 2), (150, 3), (300, 4), (500, 5), (10**6, 200)])
def test_level_is_derived_from_total_xp(xp: int, level: int) -> None:
    assert level_for_xp(xp) == level
    assert xp_for_level(level) <= xp < xp_for_level(level + 1)


def test_streaks_count_consecutive_days_and_stay_alive_until_tomorrow_ends() -> None:
    days = [date(2026, 1, d) for d in (1, 2, 3, 5, 6)]
    assert streaks(days, date(2026, 1, 6)) == (2, 3)
    assert streaks(days, date(2026, 1, 7)) == (2, 3)
    assert streaks(days, date(2026, 1, 8)) == (0, 3)
    assert streaks([], date(2026, 1, 8)) == (0, 0)


def test_evening_before_four_counts_for_yesterday() -> None:
    zone = ZoneInfo("Europe/Berlin")
    assert entry_local_date("evening", datetime(2026, 3, 30, 3, 59, tzinfo=zone)) == date(2026, 3, 29)
    assert entry_local_date("evening", datetime(2026, 3, 30, 4, 0, tzinfo=zone)) == date(2026, 3, 30)
    assert entry_local_date("morning", datetime(2026, 3, 30, 0, 30, tzinfo=zone)) == date(2026, 3, 30)


def test_for_date_allows_only_today_or_yesterdays_evening() -> None:
    now = datetime(2026, 3, 30, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert entry_local_date("evening", now, date(2026, 3, 29)) == date(2026, 3, 29)
    assert entry_local_date("morning", now, date(2026, 3, 30)) == date(2026, 3, 30)
    for entry_type, day in (("morning", date(2026, 3, 29)), ("evening", date(2026, 3, 28)),
                            ("evening", date(2026, 3, 31))):
        with pytest.raises(Unprocessable):
            entry_local_date(entry_type, now, day)


def test_review_weeks_end_on_the_review_weekday() -> None:
    sunday = 6
    assert last_review_day_before(date(2026, 6, 7), sunday) == date(2026, 5, 31)  # on Sunday: the previous one
    assert last_review_day_before(date(2026, 6, 9), sunday) == date(2026, 6, 7)
    assert review_week_for(date(2026, 6, 7), sunday) == (date(2026, 6, 1), date(2026, 6, 7))
    assert review_week_for(date(2026, 6, 10), sunday) == (date(2026, 6, 1), date(2026, 6, 7))  # 3 days late
    assert review_week_for(date(2026, 6, 11), sunday) == (date(2026, 6, 8), date(2026, 6, 14))  # early review


def test_answers_are_bounded() -> None:
    assert clean_answers({"a": " text ", "b": [1, "x"], "c": True}) == {"a": "text", "b": [1, "x"], "c": True}
    for bad in ({"a": {"b": 1}}, {str(i): i for i in range(31)}, {"a": ["x"] * 51}, {"": 1}, ["not", "a", "dict"]):
        with pytest.raises(Unprocessable):
            clean_answers(bad)


def test_step_levels_order() -> None:
    assert is_wider("year", "day") and is_wider("quarter", "month")
    assert not is_wider("day", "week") and not is_wider("month", "month")


def test_numerology_keeps_master_numbers_in_the_life_path() -> None:
    assert reduce_number(29, keep_master=True) == 11 and reduce_number(29, keep_master=False) == 2
    assert numerology(date(1990, 7, 15), date(2026, 11, 27)).life_path == 5
    assert numerology(date(1985, 11, 29), date(2026, 1, 1)).life_path == 9
    assert 1 <= numerology(date(2000, 2, 29), date(2026, 5, 5)).personal_day <= 9


def test_moon_phases_of_known_dates() -> None:
    assert moon_info(date(2024, 1, 11), "en").phase == "new_moon"
    full = moon_info(date(2024, 1, 25), "ru")
    assert (full.phase, full.name) == ("full_moon", "Полнолуние") and full.illumination >= 98


def test_offline_texts_are_deterministic_and_from_the_users_data() -> None:
    goals_inputs = {"areas": [{"id": "health", "title": "Health"}, {"id": "career", "title": "Career"}],
                    "wheel": {"health": 2, "career": 9}, "wants": {"top_wants_by_area": [{"area_id": "leisure", "wants": ["live by the sea"]}]},
                    "story": {"by_area_3y": [{"area_id": "career", "text": "I lead a small studio. It is calm."}]},
                    "area_ids": [], "horizons": ["1y", "3y"], "max_goals": 5}
    first = offline_goals(goals_inputs, "en")
    assert first == offline_goals(goals_inputs, "en")
    assert [g.title for g in first.goals] == ["Live by the sea", "I lead a small studio", "Health: from 2 to 4"]
    steps = offline_steps({"window_start": "2026-06-01", "goals": [{"id": "g", "title": "Swim"}]}, "ru")
    assert [s.level for s in steps.steps] == ["year", "quarter", "month", "week", "day"]
    review = offline_weekly_review({"week_start": "2026-06-01", "week_end": "2026-06-07", "entries": [],
                                    "mood_avg": None, "energy_avg": 4.0, "steps_done": ["Swim 1 km"],
                                    "steps_open": ["Sauna"], "steps_done_count": 1, "steps_planned_count": 4,
                                    "reflection": "Hard week. Then better."}, "en")
    assert review.wins == ["Swim 1 km"] and "Not done: Sauna" in review.challenges
    assert review.suggestions[0] == "You wrote: “Hard week.” — take it into your plan."
    tip = offline_daily_tip({"personal_day": 11, "moon_phase": "full_moon"}, "ru")
    assert tip.tip.startswith("Личный день 11")


def test_batch_parents_are_inserted_first() -> None:
    import uuid

    from core.db.models import Step

    child, parent = Step(id=uuid.uuid4()), Step(id=uuid.uuid4())
    child.parent_id = parent.id
    assert _parents_first([child, parent]) == [parent, child]


def test_goal_and_step_priority_is_one_to_three_with_two_by_default() -> None:
    from core.services.goals import clean_priority

    errors: dict[str, list[str]] = {}
    assert [clean_priority(value, errors) for value in (None, 1, 3)] == [2, 1, 3] and errors == {}
    for bad in (0, 4, True, "1"):
        errors = {}
        clean_priority(bad, errors)
        assert "priority" in errors, bad
