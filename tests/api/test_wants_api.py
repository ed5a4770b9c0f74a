"""Wants over REST (seed §6.5): drafts, the three exercises, completion, analysis, history, codes, IDOR."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from core.services.wants import STREAM_NOTICE_LEASE, STREAM_TIMER_SECONDS
from tests.ai_features.wants_flow import STREAM_LINES, complete_wants
from tests.helpers import error_of, ok_result, signed_in

W = "/api/v1/wants"


async def test_create_raw_returns_the_same_draft_twice(api, container):
    _, headers = await signed_in(container)
    first = ok_result(await api.post(f"{W}/raw", headers=headers))
    second = ok_result(await api.post(f"{W}/raw", headers=headers))
    assert first["id"] == second["id"] and first["status"] == "draft"
    assert ok_result(await api.get(f"{W}/raw", headers=headers))["id"] == first["id"]


async def test_concurrent_create_raw_makes_one_draft(api, container):
    _, headers = await signed_in(container)
    results = await asyncio.gather(*(api.post(f"{W}/raw", headers=headers) for _ in range(4)))
    assert len({ok_result(r)["id"] for r in results}) == 1


async def test_get_raw_without_draft_is_404(api, container):
    _, headers = await signed_in(container)
    error_of(await api.get(f"{W}/raw", headers=headers), 404, "WANTS_DRAFT_NOT_FOUND")


async def test_changes_without_draft_are_404(api, container):
    _, headers = await signed_in(container)
    error_of(await api.post(f"{W}/stream/start", headers=headers), 404, "WANTS_DRAFT_NOT_FOUND")
    error_of(await api.post(f"{W}/stream/append", headers=headers, json={"text": "x"}), 404, "WANTS_DRAFT_NOT_FOUND")
    error_of(await api.put(f"{W}/future-me", headers=headers, json={"text": "x"}), 404, "WANTS_DRAFT_NOT_FOUND")
    error_of(await api.post(f"{W}/complete", headers=headers), 404, "WANTS_DRAFT_NOT_FOUND")


async def test_wants_require_authentication(api):
    error_of(await api.post(f"{W}/raw"), 401, "AUTH_UNAUTHORIZED")


async def test_stream_start_stores_a_ten_minute_deadline(api, container, clock):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    started = ok_result(await api.post(f"{W}/stream/start", headers=headers))
    assert started["stream_timer_seconds"] == STREAM_TIMER_SECONDS == 600
    assert started["remaining_seconds"] == 600 and started["is_completed"] is False
    clock.advance(seconds=90)
    again = ok_result(await api.post(f"{W}/stream/start", headers=headers))
    assert again["stream_deadline_at"] == started["stream_deadline_at"]
    assert again["remaining_seconds"] == 510


async def test_stream_append_accumulates_and_previews_the_tail(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/start", headers=headers)
    for line in STREAM_LINES:
        result = ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": line}))
    assert result["is_completed"] is False
    assert result["raw_wants_stream_preview"].endswith(STREAM_LINES[-1])
    long = ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "я " * 2000}))
    assert len(long["raw_wants_stream_preview"]) == 500
    draft = ok_result(await api.get(f"{W}/raw", headers=headers))
    assert draft["raw_wants_stream"].startswith("\n".join(STREAM_LINES))


@pytest.mark.parametrize("stop", ["стоп", "STOP", "  Stop  ", "Стоп."])
async def test_stream_stops_on_stop_word(api, container, stop):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/append", headers=headers, json={"text": "хочу дом"})
    result = ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": stop}))
    assert result["is_completed"] is True
    assert ok_result(await api.get(f"{W}/raw", headers=headers))["raw_wants_stream"] == "хочу дом"


async def test_stream_stop_word_on_the_last_line_keeps_the_text_before_it(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    result = ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "хочу сад\nхочу кота\nстоп"}))
    assert result["is_completed"] is True
    assert result["raw_wants_stream_preview"] == "хочу сад\nхочу кота"


async def test_word_stop_inside_a_sentence_does_not_end_the_stream(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    result = ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "хочу стоп-кран"}))
    assert result["is_completed"] is False


async def test_append_to_finished_stream_is_409(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/append", headers=headers, json={"text": "хочу дом"})
    finished = ok_result(await api.post(f"{W}/stream/finish", headers=headers))
    assert finished["is_completed"] is True and finished["remaining_seconds"] is None
    error_of(await api.post(f"{W}/stream/append", headers=headers, json={"text": "ещё"}), 409, "WANTS_STREAM_FINISHED")


async def test_append_after_the_deadline_is_kept_and_closes_the_stream(api, container, clock):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/start", headers=headers)
    clock.advance(seconds=STREAM_TIMER_SECONDS + 5)
    result = ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "последняя мысль"}))
    assert result["is_completed"] is True and result["raw_wants_stream_preview"] == "последняя мысль"
    # This answer tells the writer: the scheduler owes no "time's up" notice for it.
    assert await container.wants.close_expired_streams() == []
    assert await container.wants.claim_stream_notices() == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 50_001])
async def test_stream_append_rejects_empty_and_huge_text(api, container, text):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    error = error_of(await api.post(f"{W}/stream/append", headers=headers, json={"text": text}), 422,
                     "VALIDATION_ERROR")
    assert "text" in error["fields"]


async def test_stream_total_length_is_bounded(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    for _ in range(4):
        ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "a" * 49_999}))
    error_of(await api.post(f"{W}/stream/append", headers=headers, json={"text": "a" * 10}), 422,
             "WANTS_TEXT_TOO_LONG")


async def test_close_expired_streams_closes_each_once_and_reports_the_users(api, container, clock):
    user, headers = await signed_in(container)
    other, other_headers = await signed_in(container)
    for h in (headers, other_headers):
        await api.post(f"{W}/raw", headers=h)
    await api.post(f"{W}/stream/start", headers=headers)
    clock.advance(seconds=300)
    await api.post(f"{W}/stream/start", headers=other_headers)
    assert await container.wants.stream_remaining(user.id) == 300
    clock.advance(seconds=301)
    assert await container.wants.stream_remaining(user.id) == 0

    assert await container.wants.close_expired_streams() == [user.id]
    assert await container.wants.close_expired_streams() == []
    assert await container.wants.stream_remaining(user.id) is None
    progress = ok_result(await api.get(f"{W}/progress", headers=headers))
    assert progress["stream_completed"] is True
    assert progress["stream_completed_at"] == progress["stream_deadline_at"]
    assert await container.wants.stream_remaining(other.id) == 299


async def test_a_stream_closed_by_its_timer_owes_one_notice_held_by_one_sender_at_a_time(api, container, clock):
    user, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/start", headers=headers)
    ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "I want a dog\nI want a boat"}))
    clock.advance(seconds=STREAM_TIMER_SECONDS + 1)
    await container.wants.close_expired_streams()
    wants = container.wants

    (notice,) = await wants.claim_stream_notices()
    held = await wants.claim_stream_notices()
    clock.advance(STREAM_NOTICE_LEASE - timedelta(seconds=1))
    still_held = await wants.claim_stream_notices()
    clock.advance(seconds=1)
    (taken_over,) = await wants.claim_stream_notices()
    await wants.stream_notice_sent(taken_over.raw_id)
    clock.advance(STREAM_NOTICE_LEASE)

    assert (notice.user_id, notice.wants_saved) == (user.id, 2)
    assert held == still_held == [] and taken_over == notice
    assert await wants.claim_stream_notices() == []


async def test_a_stream_whose_timer_ran_out_empty_can_be_started_again(api, container, clock):
    user, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/start", headers=headers)
    clock.advance(seconds=STREAM_TIMER_SECONDS + 1)
    assert await container.wants.close_expired_streams() == [user.id]

    restarted = ok_result(await api.post(f"{W}/stream/start", headers=headers))
    appended = ok_result(await api.post(f"{W}/stream/append", json={"text": "I want a garden"}, headers=headers))
    # The empty run's "time's up" would now be about the new one, so it is no longer owed.
    assert await container.wants.claim_stream_notices() == []

    assert await container.wants.stream_remaining(user.id) == STREAM_TIMER_SECONDS
    assert restarted["stream_timer_seconds"] == STREAM_TIMER_SECONDS
    assert appended["is_completed"] is False and "garden" in appended["raw_wants_stream_preview"]


async def test_a_stream_finished_with_text_is_not_restarted(api, container):
    _user, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/append", json={"text": "I want a garden\nstop"}, headers=headers)

    await api.post(f"{W}/stream/start", headers=headers)

    error_of(await api.post(f"{W}/stream/append", json={"text": "more"}, headers=headers), 409, "WANTS_STREAM_FINISHED")


async def test_future_me_set_append_finish(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    ok_result(await api.put(f"{W}/future-me", headers=headers, json={"text": "Мне 40."}))
    appended = ok_result(await api.post(f"{W}/future-me/append", headers=headers, json={"text": "Я счастлив."}))
    assert appended["future_me"] == "Мне 40.\nЯ счастлив." and appended["future_me_completed_at"] is None
    replaced = ok_result(await api.put(f"{W}/future-me", headers=headers, json={"text": "Заново."}))
    assert replaced["future_me"] == "Заново."
    finished = ok_result(await api.post(f"{W}/future-me/finish", headers=headers))
    assert finished["future_me_completed_at"] is not None


async def test_future_me_rejects_over_200000_characters(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    error_of(await api.put(f"{W}/future-me", headers=headers, json={"text": "x" * 200_001}), 422, "VALIDATION_ERROR")


async def test_reverse_is_partial_and_completes_when_all_three_are_filled(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    first = ok_result(await api.put(f"{W}/reverse", headers=headers, json={"raw_envy": "Завидую"}))
    assert first["raw_envy"] == "Завидую" and first["reverse_completed_at"] is None
    second = ok_result(await api.put(f"{W}/reverse", headers=headers,
                                     json={"raw_regrets": "Жалею", "raw_what_to_do_5y": "   "}))
    assert second["raw_envy"] == "Завидую" and second["raw_what_to_do_5y"] is None
    assert second["reverse_completed_at"] is None
    done = ok_result(await api.put(f"{W}/reverse", headers=headers, json={"raw_what_to_do_5y": "Путешествовал бы"}))
    assert done["reverse_completed_at"] is not None


async def test_reverse_rejects_unknown_fields(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    error_of(await api.put(f"{W}/reverse", headers=headers, json={"status": "completed"}), 422, "VALIDATION_ERROR")


async def test_progress_is_a_checklist_without_texts(api, container):
    _, headers = await signed_in(container)
    empty = ok_result(await api.get(f"{W}/progress", headers=headers))
    assert empty["raw_id"] is None and empty["ready_to_complete"] is False
    await api.post(f"{W}/raw", headers=headers)
    await api.post(f"{W}/stream/append", headers=headers, json={"text": "хочу дом"})
    progress = ok_result(await api.get(f"{W}/progress", headers=headers))
    assert progress["stream_started"] is True and progress["stream_chars"] == len("хочу дом")
    assert progress["stream_remaining_seconds"] == 600
    assert progress["missing"] == ["future_me", "raw_envy", "raw_regrets", "raw_what_to_do_5y"]
    assert "raw_wants_stream" not in progress and "future_me" not in progress


async def test_complete_lists_missing_fields(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    await api.put(f"{W}/reverse", headers=headers, json={"raw_envy": "Завидую"})
    error = error_of(await api.post(f"{W}/complete", headers=headers), 422, "WANTS_RAW_NOT_READY")
    assert set(error["fields"]) == {"raw_wants_stream", "future_me", "raw_regrets", "raw_what_to_do_5y"}


async def test_complete_finalizes_and_the_record_becomes_immutable(api, container):
    _, headers = await signed_in(container)
    completed = await complete_wants(api, headers)
    assert completed["status"] == "completed" and completed["completed_at"] is not None
    error_of(await api.get(f"{W}/raw", headers=headers), 404, "WANTS_DRAFT_NOT_FOUND")
    for call in (
        api.post(f"{W}/stream/start", headers=headers),
        api.post(f"{W}/stream/append", headers=headers, json={"text": "ещё"}),
        api.post(f"{W}/stream/finish", headers=headers),
        api.put(f"{W}/future-me", headers=headers, json={"text": "x"}),
        api.post(f"{W}/future-me/append", headers=headers, json={"text": "x"}),
        api.post(f"{W}/future-me/finish", headers=headers),
        api.put(f"{W}/reverse", headers=headers, json={"raw_envy": "x"}),
        api.post(f"{W}/complete", headers=headers),
    ):
        error_of(await call, 409, "WANTS_RAW_IMMUTABLE")
    assert ok_result(await api.get(f"{W}/raw/{completed['id']}", headers=headers))["raw_envy"].startswith("Завидую")


async def test_a_new_round_starts_with_a_new_draft(api, container):
    _, headers = await signed_in(container)
    completed = await complete_wants(api, headers)
    draft = ok_result(await api.post(f"{W}/raw", headers=headers))
    assert draft["id"] != completed["id"] and draft["raw_wants_stream"] == ""
    ok_result(await api.post(f"{W}/stream/append", headers=headers, json={"text": "новое"}))


async def test_history_is_paginated_newest_first(api, container, clock):
    _, headers = await signed_in(container)
    ids = []
    for _ in range(3):
        ids.append((await complete_wants(api, headers))["id"])
        clock.advance(minutes=1)
    response = await api.get(f"{W}/history?page=1&page_size=2", headers=headers)
    page = ok_result(response)
    assert [item["id"] for item in page["items"]] == [ids[2], ids[1]]
    assert response.json()["meta"]["pagination"] == {"page": 1, "page_size": 2, "total": 3, "total_pages": 2,
                                                     "has_next": True, "has_prev": False}
    second = ok_result(await api.get(f"{W}/history?page=2&page_size=2", headers=headers))
    assert [item["id"] for item in second["items"]] == [ids[0]]
    error_of(await api.get(f"{W}/history?page=0", headers=headers), 422, "VALIDATION_ERROR")


async def test_raw_by_id_hides_other_users_drafts_and_unknown_ids(api, container):
    _, headers = await signed_in(container)
    _, intruder = await signed_in(container)
    completed = await complete_wants(api, headers)
    draft = ok_result(await api.post(f"{W}/raw", headers=headers))
    error_of(await api.get(f"{W}/raw/{completed['id']}", headers=intruder), 404, "WANTS_RAW_NOT_FOUND")
    error_of(await api.get(f"{W}/raw/{draft['id']}", headers=headers), 404, "WANTS_RAW_NOT_FOUND")
    error_of(await api.get(f"{W}/raw/{uuid.uuid4()}", headers=headers), 404, "WANTS_RAW_NOT_FOUND")
    error_of(await api.get(f"{W}/raw/not-a-uuid", headers=headers), 422, "VALIDATION_ERROR")
    assert ok_result(await api.get(f"{W}/history", headers=intruder))["items"] == []


async def test_analyze_without_completed_record_is_404(api, container):
    _, headers = await signed_in(container)
    await api.post(f"{W}/raw", headers=headers)
    error_of(await api.post(f"{W}/analyze", headers=headers), 404, "WANTS_RAW_NOT_FOUND")
    assert ok_result(await api.get(f"{W}/analysis", headers=headers)) is None


async def test_offline_analysis_is_labelled_and_built_from_the_users_words(api, container):
    user, headers = await signed_in(container)
    completed = await complete_wants(api, headers)
    analysis = ok_result(await api.post(f"{W}/analyze", headers=headers))
    assert analysis["raw_id"] == completed["id"] and analysis["generated_by"] == "offline"
    payload = analysis["payload"]
    assert payload["generated_by"] == "offline" and "Офлайн" in payload["notice"]
    areas = {item["area_id"]: item["wants"] for item in payload["top_wants_by_area"]}
    assert "бегать марафон и высыпаться" in areas["health"]
    assert "свой бизнес с командой" in areas["career"]
    assert analysis["gamification_event"]["reason"] == "wants_analyzed"
    assert ok_result(await api.get(f"{W}/analysis", headers=headers))["id"] == analysis["id"]
    usage = await container.quotas.usage(await container.users.get(user.id))
    assert usage["text"]["used"] == 1


async def test_analyze_counts_a_text_unit_and_stops_at_the_quota(api, container):
    _, headers = await signed_in(container)
    await complete_wants(api, headers)
    for _ in range(5):
        ok_result(await api.post(f"{W}/analyze", headers=headers))
    error = error_of(await api.post(f"{W}/analyze", headers=headers), 403, "QUOTA_EXCEEDED")
    assert error["details"] == {"resource": "text", "used": 5, "limit": 5}


async def test_stream_timer_for_the_bot_after_restart(container, clock):
    """The deadline is stored: a fresh service (a restarted bot) still closes the stream on time."""
    from core.bootstrap import Container
    from tests.helpers import make_user

    user = await make_user(container)
    await container.wants.create_raw(user.id)
    await container.wants.start_stream(user.id)
    clock.advance(timedelta(minutes=11))
    restarted = Container(container.settings, clock=clock)
    try:
        assert await restarted.wants.close_expired_streams() == [user.id]
    finally:
        await restarted.close()
