"""/story through the Bot API emulator: the interview (skip, back, resume), the offline story in two horizons,
rewriting a horizon, pictures, the gallery, the picture quota and stale buttons."""
from __future__ import annotations

from sqlalchemy import func, select, update

from bot.keyboards.story import story_token
from core.db.models import FutureStory, User
from tests.bot.conftest import BotWorld, button_data, buttons, with_button, with_text
from tests.bot.test_wants import onboarded, png, until_notice

AREAS = 8


def question(step: int):
    return with_text(f"· {step} of {AREAS}")


async def answer_two_areas(world: BotWorld, user) -> None:
    await world.container.future_story.save_draft(user, "health", "I run every morning and sleep eight hours.")
    await world.container.future_story.save_draft(user, "career", "I lead a small design studio.")


async def written_story(world: BotWorld, chat: int, user) -> dict:
    """Answers saved, /story, "Write my story": returns the message with the story's buttons."""
    await answer_two_areas(world, user)
    home = await world.say(chat, "/story", with_button("fg:"))
    return await world.press(chat, home, "fg:none", with_button(":edit3y"))


async def make_pro(world: BotWorld, user) -> None:
    async with world.container.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(plan="pro"))


async def test_the_interview_with_skip_and_back_leads_to_a_story_in_two_horizons(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    home = await running.say(chat, "/story", with_button("fs:interview"))
    first = await running.press(chat, home, "fs:interview", question(1))
    second = await running.say(chat, "I run every morning <fast> & feel strong", question(2))
    third = await running.press(chat, second, ":1:skip", question(3))
    second_again = await running.press(chat, third, ":2:back", question(2))
    third = await running.say(chat, "I lead a small design studio", question(3))
    current = third
    for step in range(3, AREAS + 1):
        following = question(step + 1) if step < AREAS else with_text("interview is done")
        current = await running.press(chat, current, f":{step - 1}:skip", following)
    five_years = await running.press(chat, current, "fg:none", with_text("My life in five years"))
    three_years = await running.reply(chat, with_text("My life in three years"), after_id=current["id"])

    assert "Health" in first["text"] and "1 of 8" in first["text"]
    assert "Career" in second_again["text"] and "Your answer" not in second_again["text"]
    assert "2 of 8 questions answered" in current["text"]
    assert "I run every morning &lt;fast&gt; &amp; feel strong" in three_years["html"]
    assert "Career" in three_years["text"] and "design studio" in three_years["text"]
    assert "Five years on" in five_years["text"] and "Offline draft" in five_years["text"]
    assert any(":edit5y" in data for row in five_years["keyboard"] for data in [b["callback_data"] for b in row])
    story = await running.container.future_story.latest(user.id)
    assert story.generated_by == "offline" and [p["area_id"] for p in story.by_area_3y] == ["health", "career"]


async def test_the_interview_resumes_at_the_first_unanswered_area(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await answer_two_areas(running, user)
    home = await running.say(chat, "/story", with_button("fs:interview"))

    resumed = await running.press(chat, home, "fs:interview", question(3))

    assert "You've answered 2 of 8 questions." in home["text"]
    assert "Finance" in resumed["text"]


async def test_a_written_story_offers_goals_as_the_next_step(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    story_message = await written_story(running, chat, user)

    goals = await running.press(chat, story_message, "m:goals", with_text("no goals yet"))

    assert "ga:propose" in buttons(goals)


async def test_a_rewritten_horizon_replaces_the_story_text(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    story_message = await written_story(running, chat, user)

    await running.press(chat, story_message, ":edit3y", with_text("three-year story"))
    rewritten = await running.say(chat, "In three years I live in Lisbon.\n\nI teach design.",
                                  with_text("My life in three years"))

    story = await running.container.future_story.latest(user.id)
    assert story.full_text_3y == "In three years I live in Lisbon.\n\nI teach design."
    assert story.by_area_3y == []
    assert "Five years on" in story.full_text_5y
    assert "I live in Lisbon." in rewritten["text"] and "I teach design." in rewritten["text"]


async def test_a_scene_becomes_a_picture_and_a_second_one_hits_the_free_quota(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    story_message = await written_story(running, chat, user)
    scenes = await running.press(chat, story_message, ":pictures", with_button("fp:"))

    photo = await running.press(chat, scenes, ":0:health", lambda view: view["photo_url"] is not None)
    refreshed = await running.changed(chat, photo["version"] - 1, lambda view: view["id"] == scenes["id"]
                                      and with_button(":1:career")(view))
    refused = await running.press(chat, refreshed, ":1:career", with_text("AI picture on your plan"))

    assert "Health" in photo["caption"] and "Offline picture card" in photo["caption"]
    assert running.emulator.file_bytes(photo["photo_url"].rsplit("/", 1)[1]).startswith(b"\x89PNG")
    assert "1 AI picture on your plan" in refused["text"] and buttons(refused) == ["m:menu"]
    story = await running.container.future_story.latest(user.id)
    assert [asset.image_key for asset in await running.container.visuals.gallery(user.id, story.id)] == ["health"]


async def test_the_gallery_arrives_as_one_media_group(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await make_pro(running, user)
    story_message = await written_story(running, chat, user)
    story = await running.container.future_story.latest(user.id)
    user = await running.container.users.get(user.id)
    for key in ("health", "career"):
        await running.container.visuals.generate_story_image(user, story.id, key)
        running.container.clock.advance(seconds=1)

    first = await running.press(chat, story_message, ":gallery", lambda view: view["media_group_id"] is not None)
    album = [view for view in running.emulator.messages(chat) if view["media_group_id"] == first["media_group_id"]]

    assert len(album) == 2 and all(view["photo_url"] for view in album)
    assert [view["caption"].split(" ", 1)[1].split(":")[0] for view in album] == ["Health", "Career & work"]


async def test_buttons_of_an_older_story_are_outdated(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    old = await written_story(running, chat, user)
    running.container.clock.advance(minutes=5)
    home = await running.say(chat, "/story", with_button("fg:"))
    await running.press(chat, home, f"fg:{story_token((await running.container.future_story.latest(user.id)).id)}",
                        lambda view: view["id"] > home["id"] and with_button(":edit3y")(view))

    running.emulator.user_presses_button(chat, old["id"], button_data(old, ":edit3y"))
    notices = await until_notice(running, chat)

    assert notices[-1] == "This menu is outdated — please use the latest message."


async def test_a_double_tap_on_write_my_story_writes_it_once(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await answer_two_areas(running, user)
    home = await running.say(chat, "/story", with_button("fg:none"))

    data = button_data(home, "fg:none")
    running.emulator.user_presses_button(chat, home["id"], data)
    running.emulator.user_presses_button(chat, home["id"], data)
    await running.reply(chat, with_text("My life in five years"), after_id=home["id"])
    notices = await until_notice(running, chat)

    assert notices == ["A newer story is already written — it's in the chat above."]
    async with running.container.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(FutureStory)) == 1


async def test_a_photo_during_the_interview_is_asked_again(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    home = await running.say(chat, "/story", with_button("fs:interview"))
    await running.press(chat, home, "fs:interview", question(1))

    photo = running.emulator.user_sends_photo(chat, png())
    again = await running.reply(chat, question(1), after_id=photo["message_id"])

    assert again["text"].startswith("I'm still waiting for your answer")
    assert await running.container.future_story.drafts(user.id) == []
