"""Seed 001's documented result shape, endpoint by endpoint, against what the product answers.

The table is parsed from the seed text (tests/api/seed_shapes.py), not copied by hand; the journey below walks the
seed's own end-to-end scenario (§9) through every documented endpoint and records each 2xx answer.
"""
from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update

from core.db.models import User
from tests.api.seed_shapes import SeedShape, parse_result_shapes, seed_001_shapes
from tests.api.test_auth import latest_code, latest_reset_token
from tests.helpers import auth_headers, make_user

PASSWORD = "Str0ng-pass1"


class Recorder:
    """Calls endpoints by the seed's path templates and keeps each one's last successful answer."""

    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api
        self.answers: dict[tuple[str, str], httpx.Response] = {}

    async def call(self, method: str, template: str, *, path: dict[str, Any] | None = None, **kwargs) -> Any:
        response = await self.api.request(method, template.format(**(path or {})), **kwargs)
        assert 200 <= response.status_code < 300, (method, template, response.text)
        self.answers[(method, template)] = response
        return response.json()["result"]


async def _walk_the_seed(rec: Recorder, container) -> None:
    c = rec.call
    signup = await c("POST", "/api/v1/auth/signup", json={"email": "seed@example.com", "password": PASSWORD})
    await c("POST", "/api/v1/auth/send-email-verification", json={"email": "seed@example.com"})
    fresh = rec.answers[("POST", "/api/v1/auth/send-email-verification")].json()["result"]["verification_token"]
    assert signup["verification_token"] != fresh
    await c("POST", "/api/v1/auth/check-email-verification-code",
            json={"verification_token": fresh, "code": latest_code(container, "seed@example.com")})
    signed = await c("POST", "/api/v1/auth/signin", json={"email": "seed@example.com", "password": PASSWORD})
    tokens = await c("POST", "/api/v1/auth/refresh", json={"refresh_token": signed["tokens"]["refresh_token"]})
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    sessions = await c("GET", "/api/v1/auth/sessions", headers=h)
    mine = next(s for s in sessions["sessions"] if s["is_current"])
    await c("DELETE", "/api/v1/auth/sessions/{session_id}", headers=h,
            path={"session_id": next(s["id"] for s in sessions["sessions"] if s["id"] != mine["id"])})
    bot_secret = container.settings.bot_secret_key.get_secret_value()
    await c("POST", "/api/v1/auth/telegram", headers={"X-Bot-Secret": bot_secret},
            json={"telegram_id": 424242, "first_name": "Seed"})

    me = await c("GET", "/api/v1/me", headers=h)
    async with container.db.transaction() as session:  # the journey spends more AI units than the free plan has
        await session.execute(update(User).where(User.id == uuid.UUID(me["user"]["id"])).values(plan="pro"))
    await c("PUT", "/api/v1/me", headers=h, json={"first_name": "Вера", "time_zone": "Europe/Moscow"})

    admin = await auth_headers(container, await make_user(container, is_admin=True))
    await c("GET", "/api/v1/areas", headers=h)
    await c("GET", "/api/v1/areas/{area_id}", path={"area_id": "health"})
    await c("POST", "/api/v1/areas", headers=admin, json={"id": "sport", "title_ru": "Спорт", "title_en": "Sport"})
    await c("PUT", "/api/v1/areas/{area_id}", headers=admin, path={"area_id": "sport"}, json={"emoji": "🏃"})
    await c("DELETE", "/api/v1/areas/{area_id}", headers=admin, path={"area_id": "sport"})

    await c("POST", "/api/v1/life_wheel", headers=h, json={"scores": {"health": 6, "career": 7}})
    await c("GET", "/api/v1/life_wheel/latest", headers=h)
    await c("GET", "/api/v1/life_wheel", headers=h, params={"page": 1, "page_size": 20})

    await c("POST", "/api/v1/wants/raw", headers=h)
    await c("GET", "/api/v1/wants/raw", headers=h)
    await c("POST", "/api/v1/wants/stream/start", headers=h)
    for line in ("Я хочу бегать марафон", "Хочу свой бизнес", "Хочу жить у моря", "Хочу время с семьёй"):
        await c("POST", "/api/v1/wants/stream/append", headers=h, json={"text": line})
    await c("POST", "/api/v1/wants/stream/finish", headers=h)
    await c("PUT", "/api/v1/wants/future-me", headers=h, json={"text": "Мне 40. Я живу у моря."})
    await c("POST", "/api/v1/wants/future-me/append", headers=h, json={"text": " У меня своя компания."})
    await c("POST", "/api/v1/wants/future-me/finish", headers=h)
    await c("PUT", "/api/v1/wants/reverse", headers=h, json={
        "raw_envy": "Путешественникам", "raw_regrets": "Мало времени с семьёй", "raw_what_to_do_5y": "Строить"})
    await c("GET", "/api/v1/wants/progress", headers=h)
    completed = await c("POST", "/api/v1/wants/complete", headers=h)
    await c("POST", "/api/v1/wants/analyze", headers=h)
    await c("GET", "/api/v1/wants/analysis", headers=h)
    await c("GET", "/api/v1/wants/history", headers=h, params={"page": 1, "page_size": 20})
    await c("GET", "/api/v1/wants/raw/{raw_id}", headers=h, path={"raw_id": completed["id"]})

    questions = await c("GET", "/api/v1/future-story/questions", headers=h)
    await c("POST", "/api/v1/future-story/draft", headers=h,
            json={"area_id": questions[0]["area_id"], "question": questions[0]["question"], "answer": "Бегаю"})
    story = await c("POST", "/api/v1/future-story/generate", headers=h)
    await c("GET", "/api/v1/future-story", headers=h)
    await c("PUT", "/api/v1/future-story", headers=h, json={"horizon": "3y", "full_text": "Через три года я бегаю."})
    asset = await c("POST", "/api/v1/visuals/generate-story-image", headers=h,
                    json={"story_id": story["id"], "image_key": questions[0]["area_id"]})
    await c("GET", "/api/v1/visuals/story-gallery/{story_id}", headers=h, path={"story_id": story["id"]})
    await c("POST", "/api/v1/visuals/regenerate", headers=h, json={"asset_id": asset["id"]})

    await c("POST", "/api/v1/goals/generate", headers=h)
    goals = await c("POST", "/api/v1/goals/batch", headers=h, json={"goals": [
        {"title": "Пробежать марафон", "horizon": "1y"}, {"title": "Лишняя цель", "horizon": "3m"}]})
    goal_id = goals["items"][0]["id"]
    await c("GET", "/api/v1/goals", headers=h, params={"horizon": "1y"})
    await c("PUT", "/api/v1/goals/{goal_id}", headers=h, path={"goal_id": goal_id},
            json={"title": "Пробежать марафон", "horizon": "1y", "why": "Здоровье"})
    await c("DELETE", "/api/v1/goals/{goal_id}", headers=h, path={"goal_id": goals["items"][1]["id"]})

    await c("POST", "/api/v1/steps/generate", headers=h, json={"goal_ids": [goal_id]})
    steps = await c("POST", "/api/v1/steps/batch", headers=h, json={"steps": [
        {"goal_id": goal_id, "title": "Набрать базу", "level": "quarter"},
        {"goal_id": goal_id, "title": "Лишний шаг", "level": "month"}]})
    await c("GET", "/api/v1/steps", headers=h, params={"goal_id": goal_id})
    await c("PUT", "/api/v1/steps/{step_id}", headers=h, path={"step_id": steps[0]["id"]},
            json={"goal_id": goal_id, "title": "Набрать базу", "level": "quarter"})
    await c("DELETE", "/api/v1/steps/{step_id}", headers=h, path={"step_id": steps[1]["id"]})

    await c("GET", "/api/v1/rituals/today", headers=h)
    await c("POST", "/api/v1/rituals/entry", headers=h, json={"type": "morning", "answers": {"focus": "бег"},
                                                             "mood_score": 7})
    await c("POST", "/api/v1/rituals/weekly/analyze", headers=h, json={"user_reflection": "Неделя была ровной."})
    suggested = await c("GET", "/api/v1/rituals/weekly/plan-suggestion", headers=h)
    await c("POST", "/api/v1/rituals/weekly/commit", headers=h,
            json={"next_week_step_ids": [s["id"] for s in suggested]})

    await c("GET", "/api/v1/gamification/profile", headers=h)
    await c("GET", "/api/v1/gamification/achievements", headers=h)
    await c("GET", "/api/v1/gamification/leaderboard", headers=h, params={"limit": 20})
    await c("GET", "/api/v1/esoterics/today", headers=h)

    await c("PUT", "/api/v1/me/password", headers=h, json={"current_password": PASSWORD, "new_password": "N3w-pass-word"})
    relogged = await c("POST", "/api/v1/auth/signin", json={"email": "seed@example.com", "password": "N3w-pass-word"})
    h = {"Authorization": f"Bearer {relogged['tokens']['access_token']}"}
    await c("POST", "/api/v1/auth/request-password-reset", json={"email": "seed@example.com"})
    await c("POST", "/api/v1/auth/reset-password", json={"token": latest_reset_token(container, "seed@example.com"),
                                                         "new_password": PASSWORD})
    relogged = await c("POST", "/api/v1/auth/signin", json={"email": "seed@example.com", "password": PASSWORD})
    await c("POST", "/api/v1/auth/logout", headers={"Authorization": f"Bearer {relogged['tokens']['access_token']}"})
    again = await c("POST", "/api/v1/auth/signin", json={"email": "seed@example.com", "password": PASSWORD})
    await c("POST", "/api/v1/auth/logout-all", headers={"Authorization": f"Bearer {again['tokens']['access_token']}"})


def shape_mismatch(shape: SeedShape, result: Any) -> str | None:
    if result is None:
        return None if shape.nullable else "result is null"
    if shape.kind == "array":
        if not isinstance(result, list):
            return f"expected an array, got {type(result).__name__} with keys {sorted(result)[:5]}"
        missing = [sorted(shape.keys - set(item)) for item in result if shape.keys - set(item)]
        return f"elements miss {missing[0]}" if missing else None
    if not isinstance(result, dict):
        return f"expected an object, got {type(result).__name__}"
    missing = shape.keys - set(result)
    return f"missing keys {sorted(missing)}" if missing else None


def test_the_table_is_read_from_the_seed_text() -> None:
    table = seed_001_shapes()
    assert len(table) == 65
    assert table[("GET", "/api/v1/goals")].kind == "array"
    assert table[("POST", "/api/v1/goals/batch")].keys == {"items", "gamification_event"}
    assert table[("GET", "/api/v1/life_wheel/latest")].nullable
    # The parser follows the text: a changed line changes the table.
    edited = parse_result_shapes("### GET /api/v1/goals\n\n- Ответ `result`: `{ \"items\": GoalPublic[] }`\n")
    assert edited[("GET", "/api/v1/goals")].kind == "object" and edited[("GET", "/api/v1/goals")].keys == {"items"}


async def test_every_seed_endpoint_answers_in_the_seed_shape(api: httpx.AsyncClient, container) -> None:
    rec = Recorder(api)
    await _walk_the_seed(rec, container)
    table = seed_001_shapes()

    not_called = sorted(set(table) - set(rec.answers))
    mismatches = {f"{m} {p}": problem for (m, p), shape in table.items() if (m, p) in rec.answers
                  for problem in [shape_mismatch(shape, rec.answers[(m, p)].json()["result"])] if problem}

    assert not_called == []
    assert mismatches == {}
    for paged in (("GET", "/api/v1/life_wheel"), ("GET", "/api/v1/wants/history")):
        assert rec.answers[paged].json()["meta"]["pagination"]["page"] == 1
