"""The Bot API emulator driven by a real aiogram Bot over HTTP."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from playground import BotApiEmulator, PlaygroundError, create_playground_app
from tests.playground.conftest import BOT_TOKEN, Playground, drain_updates, make_bot, png_bytes
from tests.utils.asgi_server import serve_asgi


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=f"Button {data}", callback_data=data) for data in callback_data]]
    )


async def test_get_me_returns_the_playground_bot(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username, me.first_name) == (
        4242,
        True,
        "mechta_playground_bot",
        "Mechta (playground)",
    )


async def test_sent_message_appears_in_the_users_chat_with_entities(
    bot: Bot, playground: Playground, user: dict
) -> None:
    sent = await bot.send_message(user["id"], "<b>Колесо</b> &amp; <i>цели</i>")

    [shown] = playground.emulator.messages(user["id"])
    assert shown["id"] == sent.message_id
    assert (shown["from"], shown["text"]) == ("bot", "Колесо & цели")
    assert [(entity["type"], entity["offset"], entity["length"]) for entity in shown["entities"]] == [
        ("bold", 0, 6),
        ("italic", 9, 4),
    ]
    assert shown["html"] == "<b>Колесо</b> &amp; <i>цели</i>"


@pytest.mark.parametrize(
    "text",
    [
        "<b>unclosed",
        "a < b",
        "<div>no such tag</div>",
        "Tom & Jerry",
        "<b><i>crossed</b></i>",
        '<span class="x">s</span>',
    ],
)
async def test_malformed_html_is_rejected(bot: Bot, user: dict, text: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user["id"], text)


async def test_text_longer_than_4096_characters_is_rejected(bot: Bot, user: dict) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user["id"], "я" * 4097)


async def test_text_length_is_counted_after_entity_parsing(bot: Bot, user: dict) -> None:
    sent = await bot.send_message(user["id"], "<b>" + "я" * 4096 + "</b>")

    assert len(sent.text) == 4096


async def test_text_that_is_only_markup_is_empty(bot: Bot, user: dict) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user["id"], "<b> </b>")


async def test_caption_longer_than_1024_characters_is_rejected(bot: Bot, user: dict) -> None:
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(user["id"], BufferedInputFile(png_bytes(), "chart.png"), caption="x" * 1025)


async def test_callback_data_over_64_bytes_is_rejected(bot: Bot, user: dict) -> None:
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user["id"], "Pick one", reply_markup=keyboard("x" * 65))


async def test_editing_with_identical_content_is_not_modified(bot: Bot, user: dict) -> None:
    sent = await bot.send_message(user["id"], "<b>Plan</b>", reply_markup=keyboard("plan:1"))

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            chat_id=user["id"], message_id=sent.message_id, text="<b>Plan</b>", reply_markup=keyboard("plan:1")
        )


async def test_editing_text_replaces_it_and_drops_the_omitted_keyboard(
    bot: Bot, playground: Playground, user: dict
) -> None:
    sent = await bot.send_message(user["id"], "Thinking…", reply_markup=keyboard("stop"))

    await bot.edit_message_text(chat_id=user["id"], message_id=sent.message_id, text="Done")

    [shown] = playground.emulator.messages(user["id"])
    assert (shown["text"], shown["keyboard"], shown["edited"]) == ("Done", None, True)


async def test_editing_or_deleting_a_missing_message_fails(bot: Bot, user: dict) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(chat_id=user["id"], message_id=999, text="x")
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(chat_id=user["id"], message_id=999)


async def test_deleted_message_is_flagged_for_the_page(bot: Bot, playground: Playground, user: dict) -> None:
    sent = await bot.send_message(user["id"], "temporary")

    assert await bot.delete_message(chat_id=user["id"], message_id=sent.message_id)

    assert playground.emulator.messages(user["id"])[0]["deleted"] is True


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "hello")


async def test_user_command_arrives_with_bot_command_entity_and_offset_confirms_it(
    bot: Bot, playground: Playground, user: dict
) -> None:
    playground.emulator.user_sends_text(user["id"], "/start invite_42")

    [update] = await bot.get_updates(timeout=0)
    assert update.message.text == "/start invite_42"
    assert [(entity.type, entity.offset, entity.length) for entity in update.message.entities] == [
        ("bot_command", 0, 6)
    ]
    assert update.message.from_user.language_code == "ru"
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == []


async def test_location_arrives_as_a_location_message(bot: Bot, playground: Playground, user: dict) -> None:
    playground.emulator.user_sends_location(user["id"], 52.52, 13.405)

    [update] = await bot.get_updates(timeout=0)
    assert (update.message.location.latitude, update.message.location.longitude) == (52.52, 13.405)


async def test_long_poll_wakes_up_when_an_update_arrives(bot: Bot, playground: Playground, user: dict) -> None:
    started = time.monotonic()
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)

    playground.emulator.user_sends_text(user["id"], "hello")

    [update] = await polling
    assert update.message.text == "hello"
    assert time.monotonic() - started < 2


async def test_pressed_button_becomes_a_callback_query_answered_once(
    bot: Bot, playground: Playground, user: dict
) -> None:
    sent = await bot.send_message(user["id"], "Pick", reply_markup=keyboard("wheel:health"))

    query_id = playground.emulator.user_presses_button(user["id"], sent.message_id, "wheel:health")

    [update] = await bot.get_updates(timeout=0)
    assert (update.callback_query.id, update.callback_query.data) == (query_id, "wheel:health")
    assert update.callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id, text="Saved")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


async def test_answering_an_unknown_callback_query_fails(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query("123456")


async def test_pressing_a_button_that_is_not_on_the_message_is_refused(
    bot: Bot, playground: Playground, user: dict
) -> None:
    sent = await bot.send_message(user["id"], "Pick", reply_markup=keyboard("a"))

    with pytest.raises(PlaygroundError):
        playground.emulator.user_presses_button(user["id"], sent.message_id, "b")


async def test_sent_photo_is_stored_and_downloadable(bot: Bot, playground: Playground, user: dict) -> None:
    image = png_bytes(64, 48)

    sent = await bot.send_photo(user["id"], BufferedInputFile(image, "wheel.png"), caption="<b>Wheel</b>")

    assert (sent.photo[-1].width, sent.photo[-1].height, sent.caption) == (64, 48, "Wheel")
    file = await bot.get_file(sent.photo[-1].file_id)
    assert (await bot.download_file(file.file_path)).read() == image
    async with httpx.AsyncClient(base_url=playground.base_url) as client:
        shown = playground.emulator.messages(user["id"])[-1]
        assert (await client.get(shown["photo_url"])).content == image


async def test_photo_can_be_resent_by_file_id(bot: Bot, user: dict) -> None:
    first = await bot.send_photo(user["id"], BufferedInputFile(png_bytes(), "chart.png"))

    again = await bot.send_photo(user["id"], first.photo[-1].file_id)

    assert again.photo[-1].file_id == first.photo[-1].file_id


async def test_media_group_sends_every_item_with_one_group_id(bot: Bot, playground: Playground, user: dict) -> None:
    media = [
        InputMediaPhoto(
            media=BufferedInputFile(png_bytes(), f"p{index}.png"), caption="<i>Three charts</i>" if index == 0 else None
        )
        for index in range(3)
    ]

    sent = await bot.send_media_group(user["id"], media)

    assert len(sent) == 3 and len({message.media_group_id for message in sent}) == 1
    assert sent[0].caption == "Three charts"
    assert all(view["photo_url"] for view in playground.emulator.messages(user["id"]))


async def test_document_keeps_its_name(bot: Bot, playground: Playground, user: dict) -> None:
    await bot.send_document(user["id"], BufferedInputFile(b"BEGIN:VCALENDAR", "plan.ics"))

    [shown] = playground.emulator.messages(user["id"])
    assert shown["document"]["name"] == "plan.ics"


async def test_message_to_a_user_who_blocked_the_bot_is_forbidden(bot: Bot, playground: Playground, user: dict) -> None:
    playground.emulator.set_blocked(user["id"], True)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "Are you there?")


async def test_blocking_notifies_the_bot_with_my_chat_member(bot: Bot, playground: Playground, user: dict) -> None:
    playground.emulator.set_blocked(user["id"], True)

    [update] = await bot.get_updates(timeout=0)
    assert update.my_chat_member.new_chat_member.status == "kicked"


async def test_chat_action_shows_typing_until_the_bot_replies(bot: Bot, playground: Playground, user: dict) -> None:
    await bot.send_chat_action(user["id"], "typing")
    assert playground.emulator.chat_action(user["id"])[0] == "typing"

    await bot.send_message(user["id"], "Here you go")

    assert playground.emulator.chat_action(user["id"])[0] is None


async def test_commands_are_kept_per_scope(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")], language_code="en")

    assert [command.command for command in await bot.get_my_commands(language_code="en")] == ["start"]
    assert await bot.get_my_commands() == []


async def test_wait_for_bot_message_returns_the_reply(bot: Bot, playground: Playground, user: dict) -> None:
    playground.emulator.user_sends_text(user["id"], "/help")
    waiting = asyncio.create_task(playground.emulator.wait_for_bot_message(user["id"], timeout=2))

    await bot.send_message(user["id"], "Help is here")

    assert (await waiting)["text"] == "Help is here"


async def test_exceeding_the_flood_limit_returns_retry_after(state_dir: Path) -> None:
    app = create_playground_app(state_dir, rate_limit_per_second=1)
    user = app.state.emulator.create_user("Boris", "en")
    async with serve_asgi(app) as base_url:
        bot = make_bot(base_url)
        try:
            await bot.send_message(user["id"], "one")
            with pytest.raises(TelegramRetryAfter) as raised:
                await bot.send_message(user["id"], "two")
        finally:
            await bot.session.close()

    assert raised.value.retry_after >= 1


async def test_state_survives_a_restart(state_dir: Path) -> None:
    before = BotApiEmulator(state_dir)
    user = before.create_user("Vera", "en")
    before.user_sends_text(user["id"], "remember me")

    after = BotApiEmulator(state_dir)

    assert after.list_users() == [user]
    assert [view["text"] for view in after.messages(user["id"])] == ["remember me"]
    assert after.create_user("Gleb", "ru")["id"] == user["id"] + 1


async def test_bot_api_answers_in_telegrams_format_for_json_and_query_parameters(playground: Playground) -> None:
    user = playground.emulator.create_user("Dina", "en")
    async with httpx.AsyncClient(base_url=f"{playground.base_url}/tg/bot{BOT_TOKEN}") as client:
        sent = (await client.post("/sendMessage", json={"chat_id": user["id"], "text": "json"})).json()
        failed = await client.get("/sendMessage", params={"chat_id": user["id"], "text": "<b>", "parse_mode": "HTML"})
        unknown = await client.post("/noSuchMethod")

    assert sent["ok"] is True and sent["result"]["text"] == "json"
    assert failed.status_code == 400
    assert failed.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    }
    assert (unknown.status_code, unknown.json()["description"]) == (404, "Not Found")


async def test_pending_updates_are_not_lost_between_bots(playground: Playground, bot: Bot) -> None:
    await drain_updates(bot)
    user = playground.emulator.create_user("Egor", "ru")
    playground.emulator.user_sends_text(user["id"], "queued")

    info = await bot.get_webhook_info()

    assert (info.url, info.pending_update_count) == ("", 1)


async def test_dispatcher_polling_serves_a_conversation(bot: Bot, playground: Playground, user: dict) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Hello, <b>{message.from_user.first_name}</b>", reply_markup=keyboard("next"))

    @router.callback_query(F.data == "next")
    async def next_step(query: CallbackQuery) -> None:
        await query.answer("On it")
        await query.message.edit_text("Step two")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False))
    try:
        playground.emulator.user_sends_text(user["id"], "/start")
        greeting = await playground.emulator.wait_for_bot_message(user["id"], timeout=3)
        playground.emulator.user_presses_button(user["id"], greeting["id"], "next")
        edited = await playground.emulator.wait_for_bot_message(
            user["id"], lambda view: view["text"] == "Step two", timeout=3
        )
    finally:
        await dispatcher.stop_polling()
        await polling

    assert greeting["html"] == "Hello, <b>Anna</b>"
    assert edited["id"] == greeting["id"] and edited["edited"]
    assert playground.emulator.callback_warnings(user["id"]) == []
