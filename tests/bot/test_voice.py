"""Voice notes through the Bot API emulator (getFile + file download) and a fake OpenAI audio API: a note in the
wants stream becomes a recorded want; too long, offline, unheard and failed notes get a clear message and a way on."""
from __future__ import annotations

import pytest

from core.config import Settings
from tests.bot.conftest import BotWorld, with_button, with_text
from tests.bot.test_wants import onboarded, start_stream
from tests.fakes.openai_server import FakeOpenAI, http_error, reply_json, reply_text, with_fake_openai

OGG = b"OggS\x00\x02" + bytes(range(256)) * 8  # the bytes travel as they are; the fake only counts them


async def stream_text(world: BotWorld, user) -> str:
    return (await world.container.wants.get_draft(user.id)).raw_wants_stream or ""


def send_voice(world: BotWorld, chat: int, duration: int = 4) -> dict:
    return world.emulator.user_sends_voice(chat, OGG, duration)


async def voice_reply(world: BotWorld, chat: int, predicate, duration: int = 4) -> dict:
    sent = send_voice(world, chat, duration)
    return await world.reply(chat, predicate, after_id=sent["message_id"])


class TestOnline:
    @pytest.fixture
    def settings(self, settings: Settings, fake_openai: FakeOpenAI) -> Settings:
        return with_fake_openai(settings, fake_openai, voice_max_seconds=60, openai_transcribe_model="test-transcribe")

    async def test_a_voice_note_in_the_stream_becomes_a_recorded_want(self, running: BotWorld,
                                                                      fake_openai: FakeOpenAI) -> None:
        chat, user = await onboarded(running)
        await start_stream(running, chat)
        fake_openai.transcriptions.append(reply_text("I want to swim in the ocean"))

        heard = await voice_reply(running, chat, with_text("I heard"))
        saved = await running.reply(chat, with_text("Saved"), after_id=heard["id"])

        assert "«I want to swim in the ocean»" in heard["text"]
        assert saved["id"] > heard["id"]
        [request] = fake_openai.transcription_requests()
        assert (request["model"], request["language"], request["audio_bytes"]) == ("test-transcribe", "en", len(OGG))
        assert "I want to swim in the ocean" in await stream_text(running, user)
        assert (await running.container.quotas.usage(user))["text"]["used"] == 1

    async def test_a_voice_question_outside_any_dialog_goes_to_the_coach(self, running: BotWorld,
                                                                         fake_openai: FakeOpenAI) -> None:
        chat, user = await onboarded(running)
        fake_openai.transcriptions.append(reply_text("What should I do first today?"))
        fake_openai.chat.append(reply_json({"content": "Start with the shortest step.", "actions": []}))

        heard = await voice_reply(running, chat, with_text("I heard"))
        answer = await running.reply(chat, with_text("shortest step"), after_id=heard["id"])

        [request] = fake_openai.chat_requests()
        assert "What should I do first today?" in request["messages"][1]["content"]
        assert answer["text"] == "Start with the shortest step."
        assert (await running.container.quotas.usage(user))["text"]["used"] == 2  # hearing and answering

    async def test_too_long_unheard_and_failed_notes_say_so_and_spend_nothing(self, running: BotWorld,
                                                                               fake_openai: FakeOpenAI) -> None:
        chat, user = await onboarded(running, "ru")
        checklist = await running.say(chat, "/wants", with_button("wm:stream"))
        await running.press(chat, checklist, "wm:stream", with_text("Поток"))

        too_long = await voice_reply(running, chat, with_text("🎙"), duration=61)
        assert "длиннее 60 секунд" in too_long["text"] and "напишите" in too_long["text"]
        assert fake_openai.transcription_requests() == []  # refused before anything was downloaded or sent

        fake_openai.transcriptions.append(reply_text("   "))
        unheard = await voice_reply(running, chat, with_text("🎙"))
        assert "Не расслышала" in unheard["text"]

        fake_openai.transcriptions.append(http_error(500))
        failed = await voice_reply(running, chat, with_text("🎙"))
        assert "ещё раз" in failed["text"] and "текстом" in failed["text"]

        assert (await running.container.quotas.usage(user))["text"]["used"] == 0
        assert await stream_text(running, user) == ""
        # The stream is still open: a typed want goes in as usual.
        await running.say(chat, "Хочу научиться плавать", with_text("Сохран"))


async def test_offline_the_bot_says_it_cannot_listen_and_asks_to_type(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await start_stream(running, chat)

    answer = await voice_reply(running, chat, with_text("🎙"))

    assert "can't listen to voice notes" in answer["text"] and "type" in answer["text"]
    assert (await running.container.quotas.usage(user))["text"]["used"] == 0
