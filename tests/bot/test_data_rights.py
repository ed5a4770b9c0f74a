"""/export and /delete_me through the Bot API emulator: the person's data arrives as files, and after the confirmed
deletion no table holds a trace of them, old buttons delete nothing, and /start meets a stranger."""
from __future__ import annotations

import asyncio
import json
import uuid

import httpx
from icalendar import Calendar
from sqlalchemy import select

from core.db.models import Goal, Step
from core.services.users import TelegramProfile
from tests.bot.conftest import REPLY_TIMEOUT, BotWorld, buttons, with_button, with_text
from tests.data_rights_seed import rows_per_table, seed_everything, traces_of


async def person(world: BotWorld, language: str = "en", **seed):
    chat = world.user(language)
    user, _ = await world.container.users.resolve_telegram_user(
        TelegramProfile(telegram_id=chat, first_name="Anna", language_code=language))
    await world.container.users.mark_onboarded(user.id)
    return chat, await seed_everything(world.container, user, with_google=False, **seed)


async def download(world: BotWorld, view: dict) -> bytes:
    async with httpx.AsyncClient(base_url=world.base_url) as client:
        response = await client.get(view["document"]["url"])
    assert response.status_code == 200
    return response.content


async def press(world: BotWorld, chat: int, message: dict, action: str, predicate=None) -> dict:
    """Press the /delete_me button whose callback data starts with del:<action>:."""
    data = next(data for data in buttons(message) if data.startswith(f"del:{action}:"))
    before = world.emulator.version
    world.emulator.user_presses_button(chat, message["id"], data)
    return await world.changed(chat, before, predicate)


async def notice(world: BotWorld, chat: int, text: str) -> None:
    """Wait until the user saw `text` as the answer to a pressed button."""
    async with asyncio.timeout(REPLY_TIMEOUT):
        while text not in world.answered_notice(chat):
            await world.emulator.wait_for_change(world.emulator.version, 1)


async def test_export_sends_the_persons_data_as_json_and_the_plan_as_ics(running: BotWorld) -> None:
    chat, mine = await person(running, wheel_health=8)
    _other_chat, other = await person(running)

    sent = running.emulator.user_sends_text(chat, "/export")
    exported = await running.reply(chat, lambda view: view["document"] is not None, after_id=sent["message_id"])
    plan = await running.reply(chat, lambda view: (view["document"] or {}).get("name", "").endswith(".ics"),
                               after_id=exported["id"])

    document = json.loads(await download(running, exported))
    assert exported["document"]["name"].startswith("mechta-export-") and "records in one JSON file" in exported["caption"]
    assert [goal["title"] for goal in document["goals"]] == [mine.goal_title]
    assert document["life_wheels"][0]["scores"]["health"] == 8
    assert document["journal_entries"][0]["answers"]["reflection"] == mine.journal_text
    assert other.marker not in json.dumps(document) and str(other.user.id) not in json.dumps(document)
    events = Calendar.from_ical(await download(running, plan)).walk("VEVENT")
    assert [str(event["summary"]) for event in events] == [f"Buy shoes {mine.marker}"]
    assert plan["document"]["mime_type"] == "text/calendar" and "m:menu" in str(plan["keyboard"])


async def test_export_without_planned_blocks_sends_the_json_and_says_why_there_is_no_ics(running: BotWorld) -> None:
    chat = running.user("ru")

    exported = await running.say(chat, "/export", lambda view: view["document"] is not None)

    assert "1 запись в одном файле JSON" in exported["caption"] and "файла .ics не будет" in exported["caption"]
    assert json.loads(await download(running, exported))["goals"] == []
    assert "m:menu" in str(exported["keyboard"])


async def test_confirmed_deletion_leaves_no_trace_and_start_meets_a_new_person(running: BotWorld) -> None:
    chat, mine = await person(running)
    _other_chat, other = await person(running)
    others_before = await rows_per_table(running.container, other.user)
    earlier = await running.say(chat, "/delete_me", with_button("del:delete:"))
    question = await running.say(chat, "/delete_me", with_button("del:delete:"))

    report = await press(running, chat, question, "delete", with_text("Done"))

    assert await traces_of(running.container, mine.user, mine.marker) == []
    assert not mine.picture.exists()
    assert await rows_per_table(running.container, other.user) == others_before
    assert "• 1 goal\n• 1 step\n" in report["text"] and "• 1 journal entry" in report["text"]
    assert "• 1 file" in report["text"] and "service records" in report["text"] and "/start" in report["text"]
    assert report["keyboard"] is None

    await press(running, chat, earlier, "delete", lambda view: view["id"] == earlier["id"] and not view["keyboard"])
    await notice(running, chat, "This button is outdated — send /delete_me again.")
    onboarding = await running.say(chat, "/start", with_button(":language:"))

    assert "language" in onboarding["text"]
    fresh, _ = await running.container.users.resolve_telegram_user(TelegramProfile(telegram_id=chat))
    assert fresh.id != mine.user.id and fresh.onboarded_at is None
    assert await rows_per_table(running.container, other.user) == others_before


async def test_a_double_pressed_confirmation_deletes_once(running: BotWorld) -> None:
    chat, mine = await person(running)
    question = await running.say(chat, "/delete_me", with_button("del:delete:"))
    data = next(data for data in buttons(question) if data.startswith("del:delete:"))

    running.emulator.user_presses_button(chat, question["id"], data)
    running.emulator.user_presses_button(chat, question["id"], data)
    await running.reply(chat, with_text("Done"), after_id=question["id"] - 1)
    await notice(running, chat, "This button is outdated — send /delete_me again.")

    reports = [view for view in running.emulator.messages(chat) if "Done" in (view["text"] or "")]
    assert len(reports) == 1 and "• 1 goal" in reports[0]["text"]
    assert not mine.picture.exists()


async def test_the_russian_report_counts_with_real_plural_forms(running: BotWorld) -> None:
    chat, mine = await person(running, "ru")
    async with running.container.db.transaction() as session:
        goal = (await session.scalars(select(Goal).where(Goal.user_id == mine.user.id))).one()
        session.add_all([Step(id=uuid.uuid4(), user_id=mine.user.id, goal_id=goal.id, title=f"шаг {n}",
                              level="day") for n in range(11)])

    question = await running.say(chat, "/delete_me", with_button("del:delete:"))
    report = await press(running, chat, question, "delete", with_text("Готово"))

    assert "я удалила всё" in report["text"] and "• 1 цель\n• 12 шагов\n" in report["text"]
    assert "• 1 запись дневника" in report["text"] and "• 1 файл\n" in report["text"]
    assert "служебных записей" in report["text"] and "я буду рада" in report["text"]


async def test_keeping_the_data_deletes_nothing(running: BotWorld) -> None:
    chat, mine = await person(running)
    before = await rows_per_table(running.container, mine.user)

    question = await running.say(chat, "/delete_me", with_button("del:keep:"))
    kept = await press(running, chat, question, "keep", with_text("nothing was deleted"))

    assert "m:menu" in str(kept["keyboard"])
    assert await rows_per_table(running.container, mine.user) == before


async def test_a_confirmation_pressed_too_late_deletes_nothing(running: BotWorld) -> None:
    chat, mine = await person(running)
    before = await rows_per_table(running.container, mine.user)
    question = await running.say(chat, "/delete_me", with_button("del:delete:"))
    running.container.clock.advance(minutes=11)

    await press(running, chat, question, "delete", lambda view: view["id"] == question["id"] and not view["keyboard"])

    await notice(running, chat, "This button is outdated — send /delete_me again.")
    assert await rows_per_table(running.container, mine.user) == before


async def test_delete_me_works_in_the_middle_of_a_dialog(running: BotWorld) -> None:
    chat = running.user("en")
    await running.say(chat, "/start", with_button(":language:"))

    question = await running.say(chat, "/delete_me", with_button("del:delete:"))

    assert "Delete all your data?" in question["text"] and "/export" in question["text"]
