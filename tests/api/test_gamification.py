"""Gamification over HTTP: profile, achievements, the opt-in leaderboard; the ledger never pays twice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from core.services.gamification import XP_REWARDS
from tests.helpers import auth_headers, error_of, make_user, ok_result, signed_in


async def _award(container, user_id, reason, ref=None):
    async with container.db.transaction() as session:
        return await container.gamification.award(session, user_id=user_id, reason=reason, ref=ref)


async def test_new_user_profile_starts_at_level_one(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    profile = ok_result(await api.get("/api/v1/gamification/profile", headers=headers))
    assert profile == {"level": 1, "xp": 0, "xp_to_next_level": 50, "streak_days": 0, "best_streak": 0}


async def test_award_with_the_same_ref_pays_once(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container)
    first = await _award(container, user.id, "goal_done", "goal-1")
    second = await _award(container, user.id, "goal_done", "goal-1")
    assert first.xp == XP_REWARDS["goal_done"] and first.level_up and "first_goal_done" in first.new_achievements
    assert second is None
    profile = ok_result(await api.get("/api/v1/gamification/profile", headers=headers))
    assert profile["xp"] == XP_REWARDS["goal_done"] and profile["level"] == 2


async def test_award_without_ref_pays_every_time(container) -> None:
    user, _ = await signed_in(container)
    await _award(container, user.id, "wheel_completed")
    event = await _award(container, user.id, "wheel_completed")
    assert event.total_xp == 2 * XP_REWARDS["wheel_completed"] and event.new_achievements == []


async def test_award_is_rolled_back_with_the_callers_transaction(container) -> None:
    user, _ = await signed_in(container)
    try:
        async with container.db.transaction() as session:
            await container.gamification.award(session, user_id=user.id, reason="step_done", ref="s1")
            raise RuntimeError("the use case failed after awarding")
    except RuntimeError:
        pass
    assert (await container.gamification.profile(user.id)).xp == 0
    assert (await _award(container, user.id, "step_done", "s1")) is not None


async def test_achievements_list_every_code_with_is_obtained(api: httpx.AsyncClient, container) -> None:
    user, headers = await signed_in(container, locale="en")
    await _award(container, user.id, "wheel_completed", "w1")
    items = ok_result(await api.get("/api/v1/gamification/achievements", headers=headers))
    by_code = {item["code"]: item for item in items}
    assert by_code["first_wheel"]["is_obtained"] is True and by_code["first_wheel"]["title"] == "Starting point"
    assert by_code["first_wheel"]["obtained_at"] is not None
    assert by_code["streak_7"]["is_obtained"] is False and by_code["streak_7"]["obtained_at"] is None


async def test_leaderboard_shows_only_opted_in_users_by_display_name(api: httpx.AsyncClient, container) -> None:
    shy, shy_headers = await signed_in(container, display_name="Shy", telegram_id=111)
    bold, bold_headers = await signed_in(container, telegram_id=222)
    await _award(container, shy.id, "goal_done", "g")
    await _award(container, bold.id, "step_done", "s")
    ok_result(await api.put("/api/v1/gamification/leaderboard-opt-in", headers=bold_headers,
                            json={"opt_in": True, "display_name": "  Bold   One "}))
    board = ok_result(await api.get("/api/v1/gamification/leaderboard", headers=shy_headers))
    assert board == [{"rank": 1, "display_name": "Bold One", "level": 1, "xp": XP_REWARDS["step_done"],
                      "is_me": False}]
    assert bold.email not in str(board) and "222" not in str(board)


async def test_opting_out_removes_the_user_from_the_board(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container, display_name="Ann")
    ok_result(await api.put("/api/v1/gamification/leaderboard-opt-in", headers=headers, json={"opt_in": True}))
    assert len(ok_result(await api.get("/api/v1/gamification/leaderboard", headers=headers))) == 1
    settings = ok_result(await api.put("/api/v1/gamification/leaderboard-opt-in", headers=headers,
                                       json={"opt_in": False}))
    assert settings == {"opt_in": False, "display_name": "Ann"}
    assert ok_result(await api.get("/api/v1/gamification/leaderboard", headers=headers)) == []


async def test_opting_in_without_a_display_name_is_422(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.put("/api/v1/gamification/leaderboard-opt-in", headers=headers, json={"opt_in": True}),
             422, "GAMIFICATION_DISPLAY_NAME_REQUIRED")
    error_of(await api.put("/api/v1/gamification/leaderboard-opt-in", headers=headers,
                           json={"opt_in": True, "display_name": "   "}), 422, "GAMIFICATION_DISPLAY_NAME_INVALID")


async def test_leaderboard_limit_is_validated(api: httpx.AsyncClient, container) -> None:
    _, headers = await signed_in(container)
    error_of(await api.get("/api/v1/gamification/leaderboard?limit=0", headers=headers), 422, "VALIDATION_ERROR")
    error_of(await api.get("/api/v1/gamification/leaderboard?limit=101", headers=headers), 422, "VALIDATION_ERROR")


async def test_leaderboard_respects_the_limit_and_orders_by_xp(api: httpx.AsyncClient, container) -> None:
    users = [await signed_in(container, display_name=f"U{i}", leaderboard_opt_in=True) for i in range(3)]
    for index, (user, _) in enumerate(users):
        for n in range(index + 1):
            await _award(container, user.id, "step_done", f"s{n}")
    board = ok_result(await api.get("/api/v1/gamification/leaderboard?limit=2", headers=users[0][1]))
    assert [row["display_name"] for row in board] == ["U2", "U1"] and [row["rank"] for row in board] == [1, 2]


async def test_gamification_needs_a_token(api: httpx.AsyncClient) -> None:
    error_of(await api.get("/api/v1/gamification/profile"), 401, "AUTH_UNAUTHORIZED")


async def test_streak_in_profile_counts_local_days(api: httpx.AsyncClient, container, clock) -> None:
    # 23:30 in Kiritimati (UTC+14) is 09:30 UTC the same day.
    clock.set(datetime(2026, 6, 10, 9, 30, tzinfo=UTC))
    user, _ = await signed_in(container, time_zone="Pacific/Kiritimati")
    for _ in range(3):
        await container.rituals.add_entry(user.id, entry_type="morning", answers={})
        clock.advance(timedelta(days=1))
    headers = await auth_headers(container, user)
    profile = ok_result(await api.get("/api/v1/gamification/profile", headers=headers))
    assert profile["streak_days"] == 3 and profile["best_streak"] == 3


def _at_local(day: str, hour: int, minute: int, zone: str) -> datetime:
    from datetime import date as date_cls
    from datetime import time
    from zoneinfo import ZoneInfo

    return datetime.combine(date_cls.fromisoformat(day), time(hour, minute), ZoneInfo(zone))


async def test_streak_spans_the_spring_dst_change_in_local_days(container, clock) -> None:
    zone = "Europe/Berlin"  # clocks jump 02:00 → 03:00 on 2026-03-29
    clock.set(_at_local("2026-03-27", 23, 30, zone))
    user = await make_user(container, time_zone=zone)
    moments = [("2026-03-27", 23, 30), ("2026-03-28", 0, 30), ("2026-03-29", 3, 15), ("2026-03-30", 23, 50)]
    for day, hour, minute in moments:
        clock.set(_at_local(day, hour, minute, zone))
        await container.rituals.add_entry(user.id, entry_type="morning", answers={})
    # Local days 27 → 28 → 29 → 30 (the 23:30 and 00:30 entries are an hour apart but on two local days).
    profile = await container.gamification.profile(user.id)
    assert (profile.streak_days, profile.best_streak) == (4, 4)


async def test_streak_breaks_on_a_missed_local_day_even_if_utc_days_are_consecutive(container, clock) -> None:
    zone = "America/New_York"  # clocks fall back on 2026-11-01
    user = await make_user(container, time_zone=zone)
    for day, hour in (("2026-10-31", 8), ("2026-11-02", 0)):  # 2026-11-02 00:00 EST is 05:00 UTC
        clock.set(_at_local(day, hour, 0, zone))
        await container.rituals.add_entry(user.id, entry_type="morning", answers={})
    profile = await container.gamification.profile(user.id)
    assert (profile.streak_days, profile.best_streak) == (1, 1)


async def test_streak_for_utc_plus_14_and_minus_12_users(container, clock) -> None:
    east = await make_user(container, time_zone="Pacific/Kiritimati")
    west = await make_user(container, time_zone="Etc/GMT+12")
    for day in ("2026-06-01", "2026-06-02", "2026-06-03"):
        for user, zone in ((east, "Pacific/Kiritimati"), (west, "Etc/GMT+12")):
            clock.set(_at_local(day, 23, 45, zone))  # late evening: the same local day for both
            await container.rituals.add_entry(user.id, entry_type="morning", answers={})
    clock.set(_at_local("2026-06-04", 22, 0, "Etc/GMT+12"))  # 10:00 UTC 06-05 = 00:00 06-06 in Kiritimati
    assert (await container.gamification.profile(west.id)).streak_days == 3  # last entry was yesterday
    assert (await container.gamification.profile(east.id)).streak_days == 0  # two local days ago
    assert (await container.gamification.profile(east.id)).best_streak == 3


async def test_seven_day_streak_grants_the_achievement_once(container, clock) -> None:
    clock.set(datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    user = await make_user(container)
    events = []
    for _ in range(7):
        events.append((await container.rituals.add_entry(user.id, entry_type="morning", answers={})).gamification_event)
        clock.advance(timedelta(days=1))
    granted = [code for event in events for code in event.new_achievements]
    assert granted.count("streak_7") == 1 and events[6].new_achievements.count("streak_7") == 1
    assert granted.count("streak_3") == 1 and "streak_3" in events[2].new_achievements
