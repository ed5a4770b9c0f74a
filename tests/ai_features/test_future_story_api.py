"""Future story over REST (seed §6.6): questions, drafts, generation (offline and online), edits, codes."""
from __future__ import annotations

from tests.ai_features.wants_flow import complete_wants
from tests.fakes.openai_server import http_error, reply_json, slow
from tests.helpers import error_of, ok_result, signed_in

S = "/api/v1/future-story"

STORY = {
    "full_text_3y": "Через три года я бегаю по утрам.",
    "full_text_5y": "Через пять лет я пробежал марафон.",
    "by_area_3y": [{"area_id": "health", "title": "x", "paragraph": "Бегаю по утрам."},
                   {"area_id": "nowhere", "title": "x", "paragraph": "выдумка"}],
    "by_area_5y": [{"area_id": "health", "title": "x", "paragraph": "Марафон."}],
    "images": [{"image_key": "Morning Run!", "title": "Утренняя пробежка", "dall_e_prompt": "A runner at dawn"},
               {"image_key": "morning run", "title": "дубль", "dall_e_prompt": "duplicate"}],
}


async def test_questions_follow_active_areas_in_order_and_language(api, container):
    _, headers = await signed_in(container)
    _, en_headers = await signed_in(container, locale="en")
    questions = ok_result(await api.get(f"{S}/questions", headers=headers))
    areas = [a.id for a in await container.areas.active_areas()]
    assert [q["area_id"] for q in questions] == areas and len(areas) == 8
    assert questions[0]["question"].startswith("Представьте")
    english = ok_result(await api.get(f"{S}/questions", headers=en_headers))
    assert english[0]["question"].startswith("Picture yourself") and english[0]["title"] == "Health"


async def test_questions_skip_inactive_areas(api, container):
    _, headers = await signed_in(container)
    await container.areas.deactivate("spirit")
    questions = ok_result(await api.get(f"{S}/questions", headers=headers))
    assert "spirit" not in [q["area_id"] for q in questions]


async def test_draft_upserts_one_answer_per_area(api, container):
    _, headers = await signed_in(container)
    first = ok_result(await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"}))
    assert first["question"].startswith("Представьте")
    second = ok_result(await api.post(f"{S}/draft", headers=headers,
                                      json={"area_id": "health", "question": "Q?", "answer": "Плаваю"}))
    assert second["id"] == first["id"] and second["answer"] == "Плаваю" and second["question"] == "Q?"
    drafts = ok_result(await api.get(f"{S}/drafts", headers=headers))
    assert [(d["area_id"], d["answer"]) for d in drafts] == [("health", "Плаваю")]


async def test_draft_for_unknown_area_is_400(api, container):
    _, headers = await signed_in(container)
    error_of(await api.post(f"{S}/draft", headers=headers, json={"area_id": "../etc", "answer": "x"}), 400,
             "FUTURE_STORY_INVALID_AREA")
    await container.areas.deactivate("spirit")
    error_of(await api.post(f"{S}/draft", headers=headers, json={"area_id": "spirit", "answer": "x"}), 400,
             "FUTURE_STORY_INVALID_AREA")


async def test_draft_rejects_empty_and_huge_answers(api, container):
    _, headers = await signed_in(container)
    error_of(await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": ""}), 422,
             "VALIDATION_ERROR")
    error_of(await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "  "}), 400,
             "VALIDATION_ERROR")
    error_of(await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "x" * 10_001}),
             422, "VALIDATION_ERROR")


async def test_generate_without_answers_is_400(api, container):
    _, headers = await signed_in(container)
    error_of(await api.post(f"{S}/generate", headers=headers), 400, "FUTURE_STORY_DRAFT_EMPTY")
    assert ok_result(await api.get(S, headers=headers)) is None


async def test_offline_story_uses_the_answers_and_is_labelled(api, container):
    _, headers = await signed_in(container)
    await complete_wants(api, headers)
    await api.post("/api/v1/wants/analyze", headers=headers)
    await api.post(f"{S}/draft", headers=headers, json={"area_id": "career", "answer": "Руковожу студией дизайна"})
    await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю по утрам"})

    story = ok_result(await api.post(f"{S}/generate", headers=headers))

    assert story["generated_by"] == "offline"
    assert [p["area_id"] for p in story["by_area_3y"]] == ["health", "career"]  # wheel order
    assert "Бегаю по утрам" in story["full_text_3y"] and "Руковожу студией" in story["full_text_5y"]
    assert "Вы записали" in story["full_text_5y"]  # the wants analysis summary is woven in
    assert set(story["images"]) == {"health", "career"}
    assert story["images"]["health"]["dall_e_prompt"].startswith("A warm, realistic")
    assert story["gamification_event"]["reason"] == "future_story_created"
    assert ok_result(await api.get(S, headers=headers))["id"] == story["id"]


async def test_online_story_is_cleaned_of_unknown_areas_and_duplicate_keys(online_api, online_container,
                                                                           fake_openai):
    _, headers = await signed_in(online_container)
    await online_api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"})
    fake_openai.chat.append(reply_json(STORY))

    story = ok_result(await online_api.post(f"{S}/generate", headers=headers))

    assert story["generated_by"] == "openai"
    assert story["by_area_3y"] == [{"area_id": "health", "title": "Здоровье", "paragraph": "Бегаю по утрам."}]
    assert story["images"] == {"morning_run": {"title": "Утренняя пробежка", "dall_e_prompt": "A runner at dawn"}}
    assert "Бегаю" in fake_openai.chat_requests()[0]["messages"][1]["content"]


async def test_generate_failures_keep_the_answers(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await online_api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"})
    fake_openai.chat.append(slow(10, STORY))
    error_of(await online_api.post(f"{S}/generate", headers=headers), 504, "FUTURE_STORY_AI_TIMEOUT")
    fake_openai.chat.append(http_error(503))
    error_of(await online_api.post(f"{S}/generate", headers=headers), 502, "FUTURE_STORY_AI_FAILED")
    assert len(ok_result(await online_api.get(f"{S}/drafts", headers=headers))) == 1
    assert (await online_container.quotas.usage(await online_container.users.get(user.id)))["text"]["used"] == 0


async def test_put_replaces_one_horizon(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"})
    story = ok_result(await api.post(f"{S}/generate", headers=headers))
    updated = ok_result(await api.put(S, headers=headers, json={
        "horizon": "5y", "full_text": "Мой новый текст.",
        "by_area": [{"area_id": "health", "paragraph": "Марафон."}],
    }))
    assert updated["id"] == story["id"] and updated["full_text_5y"] == "Мой новый текст."
    assert updated["by_area_5y"] == [{"area_id": "health", "title": "Здоровье", "paragraph": "Марафон."}]
    assert updated["full_text_3y"] == story["full_text_3y"]


async def test_put_codes(api, container):
    _, headers = await signed_in(container)
    body = {"horizon": "3y", "full_text": "Текст", "by_area": []}
    error_of(await api.put(S, headers=headers, json=body), 404, "FUTURE_STORY_NOT_FOUND")
    error_of(await api.put(S, headers=headers, json={**body, "horizon": "10y"}), 400, "FUTURE_STORY_INVALID_HORIZON")
    await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"})
    await api.post(f"{S}/generate", headers=headers)
    error_of(await api.put(S, headers=headers, json={**body, "by_area": [{"area_id": "mars", "paragraph": "x"}]}),
             400, "FUTURE_STORY_INVALID_AREA")
    error_of(await api.put(S, headers=headers, json={**body, "full_text": ""}), 422, "VALIDATION_ERROR")


async def test_stories_and_drafts_are_private(api, container):
    _, headers = await signed_in(container)
    _, other = await signed_in(container)
    await api.post(f"{S}/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"})
    await api.post(f"{S}/generate", headers=headers)
    assert ok_result(await api.get(S, headers=other)) is None
    assert ok_result(await api.get(f"{S}/drafts", headers=other)) == []
    error_of(await api.post(f"{S}/generate", headers=other), 400, "FUTURE_STORY_DRAFT_EMPTY")
    error_of(await api.put(S, headers=other, json={"horizon": "3y", "full_text": "x"}), 404, "FUTURE_STORY_NOT_FOUND")
