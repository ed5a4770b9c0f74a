"""One table words every failure: the error's code first, then its class (nearest first), then a generic line."""
from __future__ import annotations

import pytest
from aiogram.utils.i18n import I18n

from bot.errors import error_text, is_retryable
from bot.i18n import create_i18n
from core.errors import AIFailed, AITimeout, Conflict, DomainError, NotFound, QuotaExceeded, Unprocessable


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n()


def words(i18n: I18n, error: DomainError, locale: str = "en") -> str:
    with i18n.context(), i18n.use_locale(locale):
        return error_text(error)


def test_a_code_with_its_own_text_beats_its_class(i18n: I18n) -> None:
    assert words(i18n, NotFound("VISUALS_ASSET_NOT_FOUND")) == "I couldn't find that picture — it may have been replaced."


def test_an_unknown_code_is_worded_by_its_nearest_class(i18n: I18n) -> None:
    assert words(i18n, NotFound("SOMETHING_NEW_NOT_FOUND")) == "I couldn't find that — it may have been deleted."
    assert words(i18n, Unprocessable("GOALS_INVALID")) == "Some of the values don't look right. Please try once more."
    assert words(i18n, Conflict("SOMETHING_CLASHED")) == "I couldn't do that. Please try again, or open the /menu."


@pytest.mark.parametrize("feature", ["WANTS", "FUTURE_STORY", "VISUALS", "GOALS", "STEPS", "RITUALS"])
def test_every_feature_words_an_ai_timeout_the_same_way(i18n: I18n, feature: str) -> None:
    assert words(i18n, AITimeout(f"{feature}_AI_TIMEOUT")) == (
        "The AI took too long to answer. Everything you wrote is saved — please try again in a minute.")
    assert words(i18n, AITimeout(f"{feature}_AI_TIMEOUT"), "ru").startswith("ИИ слишком долго отвечал.")


def test_a_bad_ai_response_is_an_ai_failure(i18n: I18n) -> None:
    assert words(i18n, AIFailed("WANTS_AI_BAD_RESPONSE")) == words(i18n, AIFailed("GOALS_AI_FAILED"))
    assert "ИИ" in words(i18n, AIFailed("GOALS_AI_FAILED"), "ru")


def test_a_used_up_quota_names_the_resource_and_its_limit(i18n: I18n) -> None:
    pictures = QuotaExceeded(details={"resource": "image", "used": 1, "limit": 1})
    texts = QuotaExceeded(details={"resource": "text", "used": 5, "limit": 5})

    assert words(i18n, pictures).startswith("You've used this month's 1 AI picture on")
    assert words(i18n, texts).startswith("You've used this month's 5 AI texts")
    assert "ИИ" in words(i18n, texts, "ru")


def test_only_ai_timeouts_and_failures_are_worth_a_retry() -> None:
    assert is_retryable(AITimeout("WANTS_AI_TIMEOUT"))
    assert is_retryable(AIFailed("VISUALS_AI_BAD_RESPONSE"))
    assert not is_retryable(QuotaExceeded(details={"resource": "text", "limit": 5}))
    assert not is_retryable(NotFound("GOAL_NOT_FOUND"))
