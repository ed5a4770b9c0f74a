"""The AI layer against a local OpenAI-compatible server, through the real openai client and the real API."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.db.models import AIUsageLog
from tests.ai_features.wants_flow import complete_wants
from tests.fakes.openai_server import http_error, reply_json, reply_text, slow
from tests.helpers import error_of, ok_result, signed_in

ANALYSIS = {
    "themes": [{"title": "Свобода", "evidence": "свой бизнес"}],
    "top_wants_by_area": [{"area_id": "career", "wants": ["свой бизнес"]},
                          {"area_id": "made-up-area", "wants": ["что-то"]}],
    "contradictions": ["Бизнес и время с семьёй"],
    "suggested_focus": [{"area_id": "health", "reason": "энергия для всего"}],
    "summary": "Вы хотите свободы.",
}


async def _text_used(container, user) -> int:
    return (await container.quotas.usage(await container.users.get(user.id)))["text"]["used"]


async def _usage_log(container) -> list[AIUsageLog]:
    async with container.db.read() as session:
        return list((await session.scalars(select(AIUsageLog).order_by(AIUsageLog.created_at))).all())


async def test_structured_output_happy_path(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await complete_wants(online_api, headers)
    fake_openai.chat.append(reply_json(ANALYSIS))

    analysis = ok_result(await online_api.post("/api/v1/wants/analyze", headers=headers))

    assert analysis["generated_by"] == "openai" and analysis["payload"]["notice"] is None
    assert analysis["payload"]["summary"] == "Вы хотите свободы."
    assert [a["area_id"] for a in analysis["payload"]["top_wants_by_area"]] == ["career"]  # unknown area dropped
    sent = fake_openai.chat_requests()[0]
    schema = sent["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["name"] == "wants_analysis"
    assert schema["schema"]["additionalProperties"] is False
    assert "generated_by" not in schema["schema"]["properties"]
    assert "бегать марафон" in sent["messages"][1]["content"]
    assert await _text_used(online_container, user) == 1
    [entry] = await _usage_log(online_container)
    assert (entry.feature, entry.provider, entry.ok, entry.prompt_tokens, entry.completion_tokens) == \
        ("wants_analysis", "openai", True, 11, 7)


async def test_malformed_json_is_repaired_once(online_api, online_container, fake_openai):
    _user, headers = await signed_in(online_container)
    await complete_wants(online_api, headers)
    fake_openai.chat += [reply_text('{"themes": [oops'), reply_json(ANALYSIS)]

    analysis = ok_result(await online_api.post("/api/v1/wants/analyze", headers=headers))

    assert analysis["payload"]["summary"] == "Вы хотите свободы."
    repair = fake_openai.chat_requests()[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"themes": [oops'}
    assert "JSON" in repair[-1]["content"]
    [entry] = await _usage_log(online_container)
    assert entry.prompt_tokens == 22  # both calls counted


async def test_malformed_twice_fails_releases_the_unit_and_keeps_the_input(online_api, online_container,
                                                                          fake_openai):
    user, headers = await signed_in(online_container)
    completed = await complete_wants(online_api, headers)
    fake_openai.chat += [reply_text("not json"), reply_json({"themes": "wrong shape"})]

    error_of(await online_api.post("/api/v1/wants/analyze", headers=headers), 502, "WANTS_AI_FAILED")

    assert await _text_used(online_container, user) == 0
    assert ok_result(await online_api.get(f"/api/v1/wants/raw/{completed['id']}", headers=headers))["future_me"]
    assert ok_result(await online_api.get("/api/v1/wants/analysis", headers=headers)) is None
    [entry] = await _usage_log(online_container)
    assert entry.ok is False
    fake_openai.chat.append(reply_json(ANALYSIS))  # the user can retry
    ok_result(await online_api.post("/api/v1/wants/analyze", headers=headers))


async def test_timeout_is_504_and_releases_the_unit(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await complete_wants(online_api, headers)
    fake_openai.chat.append(slow(10, ANALYSIS))

    error_of(await online_api.post("/api/v1/wants/analyze", headers=headers), 504, "WANTS_AI_TIMEOUT")

    assert await _text_used(online_container, user) == 0


async def test_server_error_is_502_and_releases_the_unit(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await complete_wants(online_api, headers)
    fake_openai.chat.append(http_error(500))

    error_of(await online_api.post("/api/v1/wants/analyze", headers=headers), 502, "WANTS_AI_FAILED")

    assert await _text_used(online_container, user) == 0
    assert len(fake_openai.chat_requests()) == 1  # max_retries=0: no hidden retries


async def test_unreachable_server_is_502(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await complete_wants(online_api, headers)
    online_container.ai.provider.client = online_container.ai.provider.client.with_options(
        base_url="http://127.0.0.1:9/v1")

    error_of(await online_api.post("/api/v1/wants/analyze", headers=headers), 502, "WANTS_AI_FAILED")

    assert await _text_used(online_container, user) == 0


async def test_quota_exhaustion_is_403_without_calling_the_ai(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    completed = await complete_wants(online_api, headers)
    for _ in range(5):
        await online_container.quotas.reserve(user.id, "text")

    error = error_of(await online_api.post("/api/v1/wants/analyze", headers=headers), 403, "QUOTA_EXCEEDED")

    assert error["details"] == {"resource": "text", "used": 5, "limit": 5}
    assert fake_openai.chat_requests() == []
    assert ok_result(await online_api.get(f"/api/v1/wants/raw/{completed['id']}", headers=headers))


async def test_two_concurrent_requests_for_the_last_unit_one_wins(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await complete_wants(online_api, headers)
    for _ in range(4):
        await online_container.quotas.reserve(user.id, "text")
    fake_openai.chat += [reply_json(ANALYSIS), reply_json(ANALYSIS)]

    responses = await asyncio.gather(*(online_api.post("/api/v1/wants/analyze", headers=headers) for _ in range(2)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 403]
    error_of(next(r for r in responses if r.status_code == 403), 403, "QUOTA_EXCEEDED")
    assert len(fake_openai.chat_requests()) == 1
    assert await _text_used(online_container, user) == 5
