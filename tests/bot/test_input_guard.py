"""What people type meets the API's rule: control characters and oversized messages get a friendly note and
the dialog stays where it was; a handler that fails tells the person and keeps their place."""
from __future__ import annotations

import pytest

from tests.bot.conftest import BotWorld, with_text
from tests.bot.test_wants import onboarded, start_stream


async def test_control_characters_are_refused_kindly_and_the_stream_goes_on(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await start_stream(running, chat)

    note = await running.say(chat, "I want\u0000 to run", with_text("invisible control characters"))
    saved = await running.say(chat, "I want to run a marathon", with_text("Saved"))

    assert "still at the same step" in note["text"] and "Saved" in saved["text"]
    raw = await running.container.wants.get_draft(user.id)
    assert "\u0000" not in raw.raw_wants_stream and "marathon" in raw.raw_wants_stream


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "10,000 characters, and I can take up to 4,096"),
    ("ru", "в нём 10\xa0000 символов, а я принимаю до 4\xa0096"),
])
async def test_a_huge_message_is_asked_to_be_shorter_and_the_stream_goes_on(running: BotWorld, language,
                                                                             expected) -> None:
    chat, user = await onboarded(running, language)
    if language == "en":
        await start_stream(running, chat)
    note = await running.say(chat, "x" * 10_000, with_text(expected))
    assert "x" * 100 not in note["text"]
    if language == "en":
        await running.say(chat, "I want a house by the sea", with_text("Saved"))
        assert "x" * 100 not in (await running.container.wants.get_draft(user.id)).raw_wants_stream


async def test_russian_note_about_control_characters_is_in_her_voice(running: BotWorld) -> None:
    chat, _ = await onboarded(running, "ru")
    note = await running.say(chat, "привет\x07", with_text("Не смогла прочитать"))
    assert "мы всё на том же шаге" in note["text"]


async def test_a_failing_handler_tells_the_person_and_keeps_the_dialog(running: BotWorld, monkeypatch) -> None:
    chat, user = await onboarded(running)
    await start_stream(running, chat)
    wants = running.container.wants
    original = wants.append_stream

    async def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(wants, "append_stream", broken)
    failure = await running.say(chat, "I want to sail", with_text("something went wrong"))
    monkeypatch.setattr(wants, "append_stream", original)
    saved = await running.say(chat, "I want to sail", with_text("Saved"))

    assert "/menu" in failure["text"] and "Saved" in saved["text"]
    assert "sail" in (await wants.get_draft(user.id)).raw_wants_stream
