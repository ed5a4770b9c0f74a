"""The week plan in words (issue 16, item 3): the placer keeps the times, the AI says why each block sits where it
does and sums the week up; offline, on an AI failure or without quota the placer's own reasons are given."""
from __future__ import annotations

from datetime import timedelta

from core.config import Settings
from tests.ai_features.conftest import fake_openai, online_api, online_container, online_settings  # noqa: F401
from tests.calendar.conftest import BERLIN_FIELDS, MONDAY, add_steps
from tests.fakes.openai_server import http_error, reply_json
from tests.helpers import ok_result, signed_in

PREVIEW = "/api/v1/calendar/plan-week/preview"


def words(reasons: dict[str, str], summary: str = "A steady week.\nRuns in the mornings, when you are freshest.") -> dict:
    return {"reasons": [{"block_id": block_id, "reason": reason} for block_id, reason in reasons.items()],
            "summary": summary}


async def test_the_ai_says_why_each_block_sits_there_and_unknown_blocks_are_ignored(
        online_api, online_container, fake_openai, online_settings: Settings, monday_clock) -> None:  # noqa: F811
    user, headers = await signed_in(online_container, locale="en", **BERLIN_FIELDS)
    run, stretch = await add_steps(online_container, user, ("Long run", 60, 1, MONDAY),
                                   ("Stretching", 20, 3, MONDAY + timedelta(days=2)))
    fake_openai.chat.append(reply_json(words({
        str(run.id): "Monday morning: your energy peaks early in the week.",
        "00000000-0000-0000-0000-000000000000": "A block that does not exist.",
    }, summary="Two steps towards the half marathon.\nMonday carries the hard part.\nA third line is dropped.")))

    plan = ok_result(await online_api.post(PREVIEW, headers=headers, json={}))

    by_title = {item["title"]: item for item in plan["items"]}
    assert by_title["Long run"]["reason"] == "Monday morning: your energy peaks early in the week."
    # The AI said nothing about Stretching: the placer's own reason stands in.
    assert by_title["Stretching"]["reason"].startswith("On its planned day")
    assert plan["wording"] == {"source": "ai", "summary": ["Two steps towards the half marathon.",
                                                           "Monday carries the hard part."],
                               "notice": None, "error_code": None}
    assert "does not exist" not in str(plan)
    # The times are the placer's, unchanged by the wording; the prompt carries the blocks as data with their ids.
    assert by_title["Long run"]["start"].startswith("2026-06-01T07:00")
    [sent] = fake_openai.chat_requests()
    prompt = sent["messages"][1]["content"]
    assert str(run.id) in prompt and str(stretch.id) in prompt and "Run a half marathon" in prompt
    assert (await online_container.quotas.usage(user))["text"]["used"] == 1

    # The same plan again is not worded (nor charged) twice.
    again = ok_result(await online_api.post(PREVIEW, headers=headers, json={}))
    assert again["items"] == plan["items"] and again["wording"] == plan["wording"]
    assert len(fake_openai.chat_requests()) == 1
    assert (await online_container.quotas.usage(user))["text"]["used"] == 1


async def test_an_ai_failure_still_gives_the_plan_with_the_placers_reasons(
        online_api, online_container, fake_openai, monday_clock) -> None:  # noqa: F811
    user, headers = await signed_in(online_container, locale="en", **BERLIN_FIELDS)
    await add_steps(online_container, user, ("Long run", 60, 1, MONDAY), ("Swim", 90, 2, MONDAY))
    fake_openai.chat.append(http_error(500))

    plan = ok_result(await online_api.post(PREVIEW, headers=headers, json={}))

    reasons = {item["title"]: item["reason"] for item in plan["items"]}
    assert reasons == {
        "Long run": "An important step, placed first. On its planned day, in the first free window. "
                    "Leads to your goal “Run a half marathon”.",
        # Monday's daily limit is reached by the run, so the swim goes to Tuesday.
        "Swim": "Its planned day had no room, so the next free window. Leads to your goal “Run a half marathon”.",
    }
    assert plan["wording"]["source"] == "placer" and plan["wording"]["error_code"] == "CALENDAR_AI_FAILED"
    assert plan["wording"]["summary"] == ["2 blocks, 2.5 h of steps over 2 days.",
                                          "Everything fits, with buffers around your meetings."]
    assert (await online_container.quotas.usage(user))["text"]["used"] == 0  # the failed call is not charged


async def test_a_spent_quota_leaves_the_plan_with_the_placers_reasons(
        online_api, online_container, fake_openai, monday_clock) -> None:  # noqa: F811
    user, headers = await signed_in(online_container, locale="ru", **BERLIN_FIELDS)
    await add_steps(online_container, user, ("Пробежка", 60, 2, MONDAY))
    for _ in range(5):
        await online_container.quotas.reserve(user.id, "text")

    plan = ok_result(await online_api.post(PREVIEW, headers=headers, json={}))

    assert plan["wording"]["source"] == "placer" and plan["wording"]["error_code"] == "QUOTA_EXCEEDED"
    assert plan["items"][0]["reason"].startswith("Стоит в свой запланированный день")
    assert plan["wording"]["summary"][0] == "1 блок, 1 ч шагов за 1 день."
    assert fake_openai.chat_requests() == []


async def test_offline_the_placers_reasons_are_labelled_and_no_quota_is_spent(api, container, monday_clock) -> None:
    user, headers = await signed_in(container, locale="ru", **BERLIN_FIELDS)
    await add_steps(container, user, ("Пробежка", 60, 1, MONDAY), ("Растяжка", 20, 3, MONDAY),
                    ("Плавание", 45, 2, MONDAY + timedelta(days=1)))

    plan = ok_result(await api.post(PREVIEW, headers=headers, json={}))

    assert plan["wording"]["source"] == "offline"
    assert "Офлайн" in plan["wording"]["notice"] and "ИИ" in plan["wording"]["notice"]
    assert all(item["reason"] for item in plan["items"])
    assert plan["wording"]["summary"] == ["3 блока, 2,1 ч шагов за 2 дня.",
                                          "Всё поместилось, с буферами вокруг встреч."]
    assert (await container.quotas.usage(user))["text"]["used"] == 0


async def test_explain_false_keeps_the_old_answer(api, container, monday_clock) -> None:
    user, headers = await signed_in(container, locale="en", **BERLIN_FIELDS)
    await add_steps(container, user, ("Long run", 60, 1, MONDAY))

    plan = ok_result(await api.post(PREVIEW, headers=headers, json={"explain": False}))

    assert plan["wording"] is None and plan["items"][0]["reason"] is None
    assert plan["items"][0]["title"] == "Long run"
