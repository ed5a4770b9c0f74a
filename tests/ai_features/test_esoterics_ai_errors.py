"""The tip of the day against a failing AI service: the seed's two 502 codes tell "unreachable" from "unusable"."""
from __future__ import annotations

from datetime import date

from tests.fakes.openai_server import http_error, reply_text
from tests.helpers import auth_headers, error_of, make_user

TODAY = "/api/v1/esoterics/today"


async def _born_user_headers(container) -> dict[str, str]:
    user = await make_user(container, locale="en", date_of_birth=date(1990, 7, 15))
    return await auth_headers(container, user)


async def test_ai_service_answering_with_an_error_is_a_proxy_error(online_api, online_container, fake_openai):
    headers = await _born_user_headers(online_container)
    fake_openai.chat.append(http_error(500))

    error = error_of(await online_api.get(TODAY, headers=headers), 502, "ESOTERICS_AI_PROXY_ERROR")

    assert "reached" in error["message"]


async def test_unreachable_ai_service_is_a_proxy_error(online_api, online_container):
    headers = await _born_user_headers(online_container)
    online_container.ai.provider.client = online_container.ai.provider.client.with_options(
        base_url="http://127.0.0.1:9/v1")

    error_of(await online_api.get(TODAY, headers=headers), 502, "ESOTERICS_AI_PROXY_ERROR")


async def test_unusable_ai_answer_is_ai_failed(online_api, online_container, fake_openai):
    headers = await _born_user_headers(online_container)
    fake_openai.chat += [reply_text("not json"), reply_text("still not json")]

    error_of(await online_api.get(TODAY, headers=headers), 502, "ESOTERICS_AI_FAILED")
