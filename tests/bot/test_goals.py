"""/goals and /plan: proposed goals reviewed one by one, saved, planned by level, and the list's buttons."""
from __future__ import annotations

import asyncio

from core.db.models import User
from core.services.users import TelegramProfile
from tests.bot.conftest import BotWorld, buttons, with_button, with_text

SCORES = {"health": 3, "career": 5, "finance": 6, "relationships": 9, "friends": 9, "growth": 9, "leisure": 9,
          "spirit": 9}
LEVELS = ["Year", "Quarter", "Month", "Week", "Day"]


async def onboarded(world: BotWorld, language: str = "en") -> tuple[int, User]:
    chat = world.user(language)
    user, _ = await world.container.users.resolve_telegram_user(TelegramProfile(telegram_id=chat,
                                                                                language_code=language))
    await world.container.users.mark_onboarded(user.id)
    return chat, user


def card(number: int, total: int):
    return with_text(f"Goal {number} of {total}")


async def test_proposed_goals_are_accepted_edited_or_dropped_then_saved(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await running.container.wheel.create(user.id, SCORES)

    empty = await running.say(chat, "/goals", with_button("ga:propose"))
    first = await running.press(chat, empty, "ga:propose", card(1, 3))
    second = await running.press(chat, first, ":0:accept", lambda view: view["id"] == first["id"]
                                 and "Goal 2 of 3" in view["text"])
    await running.press(chat, second, ":1:edit", with_text("in your own words"))
    edited = await running.say(chat, "Earn <more> by teaching & mentoring", card(2, 3))
    third = await running.press(chat, edited, ":1:accept", lambda view: view["id"] == edited["id"]
                                and "Goal 3 of 3" in view["text"])
    saved = await running.press(chat, third, ":2:drop", with_text("Saved 2 goals"))

    intro = running.emulator.messages(chat)[2]
    assert "Offline draft" in intro["text"]
    assert "Earn <more> by teaching & mentoring" in edited["text"]
    goals = await running.container.goals.list(user.id)
    assert {goal.title: goal.area_id for goal in goals} == {"Health: from 3 to 5": "health",
                                                           "Earn <more> by teaching & mentoring": "career"}
    assert "+15 XP" in saved["text"]
    draft = await running.press(chat, saved, ":make", with_button(":save"))
    assert draft["text"].count("\nYear\n") == 2 and "Earn <more> by teaching & mentoring" in draft["text"]


async def test_a_plan_is_drafted_by_level_saved_and_shown_as_a_cascade(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    goal = (await running.container.goals.create_batch(user.id, [{"title": "Run a half marathon",
                                                                  "horizon": "1y"}])).items[0]

    empty = await running.say(chat, "/plan", with_text("No steps yet"))
    draft = await running.press(chat, empty, f"gi:generate:{goal.id.hex}", with_button(":save"))
    saved = await running.press(chat, draft, ":save", with_text("The plan is saved: 5 steps"))
    cascade = await running.say(chat, "/plan", with_text("Run a half marathon ·"))
    today = await running.press(chat, saved, "m:today", with_text("Run a half marathon"))

    assert buttons(saved) == ["m:today", "m:calendar", "m:goals"]
    assert "Today" in today["text"]
    positions = [draft["text"].index(level) for level in LEVELS]
    assert positions == sorted(positions)
    assert saved
    steps = await running.container.steps.list(user.id, goal_id=goal.id)
    assert sorted(step.level for step in steps) == sorted(["year", "quarter", "month", "week", "day"])
    lines = cascade["text"].split("\n")
    assert lines[2].startswith("▫️ Year: ") and lines[6].lstrip("\u2003").startswith("▫️ Day: ")
    assert lines[6].startswith("\u2003" * 4)


async def test_the_goals_list_marks_a_goal_reached_and_drops_another(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    reach, drop = (await running.container.goals.create_batch(user.id, [
        {"title": "Learn to swim", "horizon": "3m"}, {"title": "Buy a boat", "horizon": "5y"}])).items

    listing = await running.say(chat, "/goals", with_text("Your goals"))
    after_done = await running.press(chat, listing, f"gi:done:{reach.id.hex}",
                                     lambda view: view["id"] == listing["id"] and "Reached" in view["text"])
    question = await running.press(chat, after_done, f"gi:drop:{drop.id.hex}",
                                   lambda view: view["id"] == listing["id"] and "Drop the goal" in view["text"])
    still_active = {goal.title: goal.status for goal in await running.container.goals.list(user.id)}
    kept = await running.press(chat, question, f"gd:no:{drop.id.hex}",
                               lambda view: view["id"] == listing["id"] and "Your goals" in view["text"])
    again = await running.press(chat, kept, f"gi:drop:{drop.id.hex}",
                                lambda view: view["id"] == listing["id"] and "Drop the goal" in view["text"])
    await running.press(chat, again, f"gd:yes:{drop.id.hex}",
                        lambda view: view["id"] == listing["id"] and "1 goal dropped" in view["text"])
    async with asyncio.timeout(10):
        while len(running.answered_notice(chat)) < 2:
            await running.emulator.wait_for_change(running.emulator.version, 1)

    assert running.answered_notice(chat) == ["🏁 Goal reached! +100 XP · 🎉 New level: 2!", "✖️ Goal dropped"]
    assert "«Buy a boat»" in question["text"] and still_active["Buy a boat"] == "active"
    statuses = {goal.title: goal.status for goal in await running.container.goals.list(user.id)}
    assert statuses == {"Learn to swim": "done", "Buy a boat": "dropped"}
