"""The life wheel dialog: scores, notes, the chart, history, and resuming after a restart."""
from __future__ import annotations

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage

from bot.storage import DatabaseStorage
from core.services.users import TelegramProfile
from tests.bot.conftest import BotWorld, buttons, with_text

AREAS = 8


async def onboarded(world: BotWorld, language: str = "en") -> tuple[int, object]:
    chat = world.user(language)
    user, _ = await world.container.users.resolve_telegram_user(TelegramProfile(telegram_id=chat,
                                                                                language_code=language))
    await world.container.users.mark_onboarded(user.id)
    return chat, user


def score_question(step: int):
    return lambda view: f"· {step} " in (view["text"] or "") and any(
        ":score:" in button.get("callback_data", "") for row in view["keyboard"] or [] for button in row)


async def score_areas(world: BotWorld, chat: int, question: dict, scores: list[int]) -> dict:
    for score in scores:
        step = int(question["text"].split("·")[1].split()[0])
        following = score_question(step + 1) if step < AREAS else with_text("✅")
        question = await world.press(chat, question, f":score:{score}", following)
    return question


async def test_a_full_wheel_saves_scores_sends_a_chart_and_names_the_focus_areas(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    first = await running.say(chat, "/wheel", score_question(1))

    await score_areas(running, chat, first, [7, 3, 6, 8, 2, 9, 5, 10])
    photo = await running.reply(chat, lambda view: view["photo_url"] is not None, after_id=first["id"])
    summary = await running.reply(chat, with_text("Focus for now"), after_id=photo["id"])

    entry = await running.container.wheel.latest(user.id)
    assert entry.scores == {"health": 7, "career": 3, "finance": 6, "relationships": 8, "friends": 2,
                            "growth": 9, "leisure": 5, "spirit": 10}
    assert "average 6.2" in photo["caption"]
    assert "Friends & community, Career & work, Leisure & joy" in summary["text"]
    assert "first wheel" in summary["text"]
    assert running.emulator.file_bytes(photo["photo_url"].rsplit("/", 1)[1]).startswith(b"\x89PNG")


async def test_an_even_wheel_names_no_focus_and_says_why(running: BotWorld) -> None:
    chat, _user = await onboarded(running, "ru")
    first = await running.say(chat, "/wheel", score_question(1))

    await score_areas(running, chat, first, [7] * AREAS)
    summary = await running.reply(chat, with_text("одинаковую оценку"), after_id=first["id"])

    assert "Фокус" not in summary["text"] and "Выберите ту, что сейчас важнее всего" in summary["text"]


async def test_the_second_wheel_shows_changes_against_the_first(running: BotWorld) -> None:
    chat, user = await onboarded(running, "ru")
    await running.container.wheel.create(user.id, {"health": 5, "career": 5, "finance": 5, "relationships": 5,
                                                   "friends": 5, "growth": 5, "leisure": 5, "spirit": 5})
    running.container.clock.advance(days=30)
    first = await running.say(chat, "/wheel", score_question(1))
    assert "В прошлый раз: 5" in first["text"]

    await score_areas(running, chat, first, [7, 3, 5, 5, 5, 5, 5, 5])
    summary = await running.reply(chat, with_text("Изменения с прошлого раза"), after_id=first["id"])

    assert "Здоровье: 7 (▲2)" in summary["text"]
    assert "Карьера и дело: 3 (▼2)" in summary["text"]
    assert "Финансы: 5 (=)" in summary["text"]


async def test_a_note_and_the_back_button_keep_the_dialog_on_track(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    first = await running.say(chat, "/wheel", score_question(1))
    second = await running.press(chat, first, ":score:4", score_question(2))
    back = await running.press(chat, second, ":back:0", score_question(1))

    prompt = await running.press(chat, back, ":note:0", with_text("Write a note"))
    running.emulator.user_sends_photo(chat, _png())
    reask = await running.reply(chat, with_text("I'm still waiting for your answer"))
    question = await running.say(chat, "Sleeping <6h> & tired", score_question(1))
    await score_areas(running, chat, question, [6, 5, 5, 5, 5, 5, 5, 5])
    await running.reply(chat, with_text("Focus for now"), after_id=question["id"])

    assert prompt and "Write a note" in reask["text"] and any(":score:" in data for data in buttons(reask))
    assert "📝 Your note: Sleeping <6h> & tired" in question["text"]
    entry = await running.container.wheel.latest(user.id)
    assert entry.scores["health"] == 6
    assert entry.area_notes == {"health": "Sleeping <6h> & tired"}


async def test_wheel_history_lists_past_wheels_a_page_at_a_time(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    for score in range(7):
        await running.container.wheel.create(user.id, {"health": score, "career": 10})
        running.container.clock.advance(days=1)

    first_page = await running.say(chat, "/wheel_history", with_text("page 1 of 2"))
    second_page = await running.press(chat, first_page, "hp:2", with_text("page 2 of 2"))

    assert averages(first_page) == ["8", "7.5", "7", "6.5", "6"]
    assert averages(second_page) == ["5.5", "5"]


async def resume_after_restart(world: BotWorld, first_storage, second_storage) -> None:
    chat, user = await onboarded(world)
    await world.start(first_storage)
    first = await world.say(chat, "/wheel", score_question(1))
    second = await world.press(chat, first, ":score:9", score_question(2))
    third = await world.press(chat, second, ":score:8", score_question(3))

    await world.stop()
    await world.start(second_storage)
    await score_areas(world, chat, third, [7, 6, 5, 4, 3, 2])
    await world.reply(chat, with_text("Focus for now"), after_id=first["id"])

    entry = await world.container.wheel.latest(user.id)
    assert list(entry.scores.values()) == [9, 8, 7, 6, 5, 4, 3, 2]


async def test_a_restart_in_the_middle_of_the_wheel_resumes_it_from_the_database(world: BotWorld) -> None:
    await resume_after_restart(world, DatabaseStorage(world.container.db), DatabaseStorage(world.container.db))


async def test_a_restart_in_the_middle_of_the_wheel_resumes_it_from_redis(world: BotWorld) -> None:
    settings = world.container.settings

    def redis_storage() -> RedisStorage:
        return RedisStorage.from_url(settings.redis_url, key_builder=DefaultKeyBuilder(
            prefix=f"{settings.redis_prefix}fsm", with_bot_id=True, with_destiny=True))

    await resume_after_restart(world, redis_storage(), redis_storage())


async def test_buttons_of_an_abandoned_wheel_are_answered_as_outdated(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    old = await running.say(chat, "/wheel", score_question(1))
    await running.say(chat, "/wheel", score_question(1))

    version = running.emulator.version
    running.emulator.user_presses_button(chat, old["id"], [b["callback_data"] for b in old["keyboard"][0]][3])
    await running.emulator.wait_for_change(version, 5)
    await _until_answered(running, chat)

    assert running.answered_notice(chat)[-1] == "This menu is outdated — please use the latest message."
    assert await running.container.wheel.latest(user.id) is None


async def _until_answered(world: BotWorld, chat: int) -> None:
    import asyncio

    async with asyncio.timeout(10):
        while not world.answered_notice(chat):
            await world.emulator.wait_for_change(world.emulator.version, 1)


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def averages(screen: dict) -> list[str]:
    return [line.split("average ")[1] for line in screen["text"].splitlines() if "average " in line]
