"""Claiming and delivering ritual prompts on both backends, with the clock moved by hand."""
from datetime import date, time

import pytest
from sqlalchemy import update

from core.db.models import User
from core.errors import Conflict, NotFound, Unprocessable
from core.services.prompts_delivery import PromptRejected, RecipientBlocked, RetryAfter, recompute_next_runs
from tests.scheduler.support import RecordingSender, at, log_rows, reload, tg_user

BERLIN = "Europe/Berlin"
MONDAY = date(2024, 6, 3)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


async def test_morning_prompt_is_sent_at_its_time_once(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 59, 30))
    user = await tg_user(container)

    await container.prompt_delivery.deliver_due(sender)
    assert sender.sent == []

    clock.advance(seconds=40)
    report = await container.prompt_delivery.deliver_due(sender)
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]
    assert report.sent == 1
    [row] = await log_rows(container, user)
    assert (row.kind, row.status, row.attempt, row.sent_at) == ("morning", "sent", 1, clock.now())
    assert (await reload(container, user)).next_morning_at == at(BERLIN, 2024, 6, 4, 8, 0)


async def test_new_user_without_next_runs_gets_them_on_the_next_tick(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 12, 0))
    user = await tg_user(container, scheduled=False)

    report = await container.prompt_delivery.deliver_due(sender)

    fresh = await reload(container, user)
    assert report.scheduled == 1
    assert fresh.next_morning_at == at(BERLIN, 2024, 6, 4, 8, 0)
    assert fresh.next_evening_at == at(BERLIN, 2024, 6, 3, 21, 0)
    assert sender.sent == []


async def test_filling_a_missing_next_run_keeps_the_other_one(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(next_evening_at=None))

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    report = await container.prompt_delivery.deliver_due(sender)

    assert (report.scheduled, sender.kinds_for(user)) == (1, [("morning", MONDAY)])
    assert (await reload(container, user)).next_evening_at == at(BERLIN, 2024, 6, 3, 21, 0)


async def test_users_without_a_chat_or_inactive_are_never_prompted(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    inactive = await tg_user(container, is_active=False)
    web_only = await tg_user(container)
    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == web_only.id).values(telegram_id=None))

    clock.advance(hours=2)
    await container.prompt_delivery.deliver_due(sender)

    assert sender.sent == []
    assert await log_rows(container) == []
    assert inactive.id and web_only.id


async def test_prompt_later_than_the_grace_period_is_skipped_not_sent(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)

    clock.set(at(BERLIN, 2024, 6, 3, 9, 1))  # the scheduler was down from 07:00 to 09:01
    report = await container.prompt_delivery.deliver_due(sender)

    assert sender.sent == []
    assert report.skipped_late == 1
    [row] = await log_rows(container, user)
    assert (row.status, row.detail) == ("skipped_late", "61 min late")
    assert (await reload(container, user)).next_morning_at == at(BERLIN, 2024, 6, 4, 8, 0)


async def test_prompt_within_the_grace_period_is_sent_late(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)

    clock.set(at(BERLIN, 2024, 6, 3, 8, 55))
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]


async def test_after_days_of_downtime_only_the_latest_occurrence_is_owed(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)

    clock.set(at(BERLIN, 2024, 6, 6, 8, 20))
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", date(2024, 6, 6))]
    rows = [(row.kind, row.local_date, row.status) for row in await log_rows(container, user)]
    assert rows == [("evening", date(2024, 6, 5), "skipped_late"), ("morning", date(2024, 6, 6), "sent")]


async def test_paused_user_is_skipped_until_the_pause_ends(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    await container.prompt_delivery.pause(user.id, date(2024, 6, 4))

    for day in (3, 4, 5):
        clock.set(at(BERLIN, 2024, 6, day, 8, 0, 5))
        await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", date(2024, 6, 5))]
    assert [(r.local_date.day, r.status, r.detail) for r in await log_rows(container, user, kinds=("morning",))] == [
        (3, "skipped_user", "paused"), (4, "skipped_user", "paused"), (5, "sent", None)]


async def test_pause_cannot_end_in_the_past(container, clock):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    with pytest.raises(Unprocessable):
        await container.prompt_delivery.pause(user.id, date(2024, 6, 2))


async def test_quiet_weekday_has_no_prompts(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    await container.prompt_delivery.set_quiet_weekdays(user.id, [1])  # Tuesdays

    for day in (3, 4):
        clock.set(at(BERLIN, 2024, 6, day, 8, 0, 5))
        await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]


async def test_quiet_weekdays_must_be_weekday_numbers(container, clock):
    user = await tg_user(container)
    with pytest.raises(Unprocessable) as error:
        await container.prompt_delivery.set_quiet_weekdays(user.id, [7])
    assert "quiet_weekdays" in error.value.fields


async def test_skip_today_before_the_prompt_suppresses_it(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)

    assert await container.prompt_delivery.skip_today(user.id, "morning") == "skipped_user"
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    report = await container.prompt_delivery.deliver_due(sender)

    assert sender.sent == []
    assert report.already_handled == 1
    clock.set(at(BERLIN, 2024, 6, 4, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    assert sender.kinds_for(user) == [("morning", date(2024, 6, 4))]


async def test_snooze_delivers_the_same_prompt_again_30_minutes_later(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 23, 0))
    user = await tg_user(container, evening=time(23, 50))
    clock.set(at(BERLIN, 2024, 6, 3, 23, 50, 5))
    await container.prompt_delivery.deliver_due(sender)

    clock.set(at(BERLIN, 2024, 6, 3, 23, 52))
    due = await container.prompt_delivery.snooze(user.id, "evening")
    assert due == at(BERLIN, 2024, 6, 4, 0, 22)
    clock.set(at(BERLIN, 2024, 6, 4, 0, 21))
    await container.prompt_delivery.deliver_due(sender)
    assert len(sender.sent) == 1
    clock.set(at(BERLIN, 2024, 6, 4, 0, 22))
    await container.prompt_delivery.deliver_due(sender)

    # Past midnight, but still the prompt of Monday evening: answering it counts for Monday.
    assert sender.kinds_for(user) == [("evening", MONDAY), ("evening", MONDAY)]
    [row] = await log_rows(container, user)
    assert (row.status, row.snoozes, row.local_date) == ("sent", 1, MONDAY)


async def test_skip_today_cancels_a_pending_snooze(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    await container.prompt_delivery.snooze(user.id, "morning")

    assert await container.prompt_delivery.skip_today(user.id, "morning") == "skipped_user"
    clock.advance(minutes=31)
    await container.prompt_delivery.deliver_due(sender)

    assert len(sender.sent) == 1


async def test_snooze_needs_a_delivered_prompt(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    with pytest.raises(NotFound) as missing:
        await container.prompt_delivery.snooze(user.id, "morning")
    assert missing.value.code == "RITUALS_PROMPT_NOT_FOUND"

    await container.prompt_delivery.skip_today(user.id, "morning")
    with pytest.raises(Conflict) as skipped:
        await container.prompt_delivery.snooze(user.id, "morning")
    assert skipped.value.code == "RITUALS_PROMPT_NOT_SNOOZABLE"


async def test_snooze_from_a_day_old_message_is_refused(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)

    clock.set(at(BERLIN, 2024, 6, 4, 9, 0))
    with pytest.raises(Conflict) as error:
        await container.prompt_delivery.snooze(user.id, "morning", local_date=MONDAY)
    assert error.value.code == "RITUALS_PROMPT_EXPIRED"


async def test_unknown_prompt_kind_is_rejected(container, clock):
    user = await tg_user(container)
    with pytest.raises(Unprocessable):
        await container.prompt_delivery.snooze(user.id, "lunch")


async def test_time_zone_change_recomputes_the_next_run(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    await container.users.update_profile(user.id, {"time_zone": "America/New_York"})

    assert (await reload(container, user)).next_morning_at == at("America/New_York", 2024, 6, 3, 8, 0)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    assert sender.sent == []
    clock.set(at("America/New_York", 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    assert sender.kinds_for(user) == [("morning", MONDAY)]


async def test_moving_the_ritual_earlier_today_still_prompts_today(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    await container.prompt_delivery.deliver_due(sender)  # schedules 08:00 today
    await container.users.update_profile(user.id, {"morning_time": time(7, 30)})

    clock.set(at(BERLIN, 2024, 6, 3, 7, 30, 5))
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]


async def test_a_stale_next_run_is_moved_not_delivered_when_the_time_changed_without_the_hook(container, clock,
                                                                                            sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    async with container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(morning_time=time(9, 0)))

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    report = await container.prompt_delivery.deliver_due(sender)
    assert (sender.sent, report.rescheduled) == ([], 1)
    assert (await reload(container, user)).next_morning_at == at(BERLIN, 2024, 6, 3, 9, 0)

    clock.set(at(BERLIN, 2024, 6, 3, 9, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    assert sender.kinds_for(user) == [("morning", MONDAY)]


async def test_same_local_date_is_not_prompted_twice_after_moving_west(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    async with container.db.transaction() as session:
        moving = await session.get(User, user.id)
        moving.time_zone = "America/New_York"  # Monday 08:00 comes round again six hours later
        recompute_next_runs(moving, clock.now())

    clock.set(at("America/New_York", 2024, 6, 3, 8, 0, 5))
    report = await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]
    assert report.already_handled == 1


async def test_weekly_review_prompt_follows_the_evening_prompt_on_the_review_weekday(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 2, 12, 0))
    user = await tg_user(container, weekly_review_weekday=0)  # Mondays

    for day in (2, 3):
        clock.set(at(BERLIN, 2024, 6, day, 21, 0, 5))
        await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("evening", date(2024, 6, 2)), ("evening", MONDAY), ("weekly", MONDAY)]


async def test_users_beyond_the_date_line_get_their_own_local_dates(container, clock, sender):
    clock.set(at("UTC", 2024, 6, 2, 12, 0))
    ahead = await tg_user(container, time_zone="Pacific/Kiritimati")  # UTC+14
    behind = await tg_user(container, time_zone="Etc/GMT+12")  # UTC−12

    clock.set(at("UTC", 2024, 6, 2, 18, 0, 5))  # 08:00 on Monday in Kiritimati
    await container.prompt_delivery.deliver_due(sender)
    clock.set(at("UTC", 2024, 6, 3, 20, 0, 5))  # 08:00 on Monday at UTC−12, 26 hours later
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(ahead) == [("morning", MONDAY)]
    assert sender.kinds_for(behind) == [("morning", MONDAY)]


async def test_retry_after_puts_the_prompt_back_until_telegram_allows_it(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    sender.failures[user.telegram_id] = [RetryAfter(40)]

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    report = await container.prompt_delivery.deliver_due(sender)
    assert (report.retried, sender.sent) == (1, [])
    clock.advance(seconds=39)
    await container.prompt_delivery.deliver_due(sender)
    assert sender.sent == []
    clock.advance(seconds=1)
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]
    [row] = await log_rows(container, user)
    assert (row.status, row.attempt) == ("sent", 2)


async def test_failing_sends_give_up_after_three_attempts(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    sender.failures[user.telegram_id] = [ConnectionError("down")] * 3

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    for _ in range(4):
        await container.prompt_delivery.deliver_due(sender)
        clock.advance(minutes=1)

    [row] = await log_rows(container, user)
    assert (row.status, row.attempt) == ("failed", 3)
    assert sender.sent == []


async def test_rejected_prompt_fails_without_retrying(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    sender.failures[user.telegram_id] = [PromptRejected("Bad Request: chat not found")]

    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)

    [row] = await log_rows(container, user)
    assert (row.status, row.detail) == ("failed", "Bad Request: chat not found")


async def test_blocked_recipient_stops_all_further_prompts(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 2, 12, 0))
    user = await tg_user(container, weekly_review_weekday=0)
    sender.failures[user.telegram_id] = [RecipientBlocked("Forbidden: bot was blocked by the user")]

    clock.set(at(BERLIN, 2024, 6, 3, 21, 0, 5))  # evening + weekly: the weekly one is not even tried
    report = await container.prompt_delivery.deliver_due(sender)
    clock.set(at(BERLIN, 2024, 6, 4, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)

    assert (report.blocked, report.failed, sender.sent) == (1, 1, [])
    assert (await reload(container, user)).bot_blocked_at == at(BERLIN, 2024, 6, 3, 21, 0, 5)
    rows = await log_rows(container, user, kinds=("evening", "weekly"))
    assert [(r.kind, r.status) for r in rows] == [("evening", "failed"), ("weekly", "failed")]


async def test_unblocking_resumes_prompts_from_now_on(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    await container.prompt_delivery.set_bot_blocked(user.id, True)
    clock.set(at(BERLIN, 2024, 6, 4, 8, 0, 5))
    await container.prompt_delivery.deliver_due(sender)
    assert sender.sent == []

    clock.set(at(BERLIN, 2024, 6, 5, 12, 0))
    await container.prompt_delivery.set_bot_blocked(user.id, False)
    clock.set(at(BERLIN, 2024, 6, 5, 21, 0, 5))
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("evening", date(2024, 6, 5))]


async def test_crash_between_claim_and_send_is_retried_once_after_the_lease(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))

    deliveries, _ = await container.prompt_delivery.claim_batch()  # ... and the process dies here
    assert len(deliveries) == 1
    await container.prompt_delivery.deliver_due(sender)
    assert sender.sent == []  # still leased to the dead claimer

    clock.advance(seconds=121)
    await container.prompt_delivery.deliver_due(sender)
    clock.advance(minutes=5)
    await container.prompt_delivery.deliver_due(sender)

    assert sender.kinds_for(user) == [("morning", MONDAY)]
    [row] = await log_rows(container, user)
    assert (row.status, row.attempt) == ("sent", 2)


async def test_a_late_outcome_of_an_expired_claim_does_not_overwrite_the_new_one(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    stale, _ = await container.prompt_delivery.claim_batch()
    clock.advance(seconds=121)
    await container.prompt_delivery.deliver_due(sender)

    failing = type(sender)(failures={user.telegram_id: [PromptRejected("late")]})
    await container.prompt_delivery.send_claimed(failing, stale)

    [row] = await log_rows(container, user)
    assert (row.status, row.attempt) == ("sent", 2)


async def test_prompt_claimed_for_a_user_deleted_before_the_send_is_not_sent(container, clock, sender):
    clock.set(at(BERLIN, 2024, 6, 3, 7, 0))
    user = await tg_user(container)
    clock.set(at(BERLIN, 2024, 6, 3, 8, 0, 5))
    deliveries, _ = await container.prompt_delivery.claim_batch()
    assert [delivery.user_id for delivery in deliveries] == [user.id]

    await container.data_rights.delete_person(user.id)
    report = await container.prompt_delivery.send_claimed(sender, deliveries)

    assert sender.sent == []
    assert (report.sent, report.failed) == (0, 1)
