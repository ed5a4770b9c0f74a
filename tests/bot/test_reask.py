"""Every dialog state keeps its thread: text where a button is expected, a sticker, a photo, a voice message or a
stale button gets "still waiting" and the open question again, with its buttons — and the dialog stays where it was.

The states are enumerated from bot/states.py, so a new state without a re-ask (or without a case here) fails."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import bot.dispatcher  # (the handlers declare their re-asks when imported)
from bot import states
from bot.keyboards.callbacks import WheelAction
from bot.states import (
    DisplayNameDialog,
    EveningDialog,
    GoalReviewDialog,
    InterviewArea,
    InterviewDialog,
    MorningDialog,
    PlanDraftDialog,
    ProfileDialog,
    ReviewDialog,
    SavedGoalsDialog,
    StoryEditDialog,
    WantsDialog,
)
from bot.utils.dialog import DialogData, reask_for
from core.errors import Unprocessable
from core.prompts.goals import ProposedGoal
from core.prompts.steps import ProposedStep
from core.services.users import TelegramProfile
from tests.bot.conftest import BotWorld, buttons, with_button, with_text
from tests.bot.test_calendar import MONDAY, planner
from tests.bot.test_wants import onboarded, png, start_stream

STILL_WAITING = "I'm still waiting for your answer"

ALL_STATES: list[State] = [
    state
    for group in vars(states).values()
    if isinstance(group, type) and issubclass(group, StatesGroup) and group is not StatesGroup
    for state in group.__all_states__
]


@dataclass
class Asked:
    """A person in a dialog state: their chat, a fragment of the open question and a fragment of its buttons'
    callback data (None when the question has no inline buttons)."""

    chat: int
    question: str
    button: str | None


def context(world: BotWorld, chat: int) -> FSMContext:
    return FSMContext(world.dispatcher.fsm.storage, StorageKey(bot_id=world.bot.id, chat_id=chat, user_id=chat))


async def put(world: BotWorld, dialog: DialogData, fsm_state: State, question: str, button: str | None,
              *, language: str = "en") -> Asked:
    """Set the state and data directly, where driving there through the chat is long."""
    chat, _user = await onboarded(world, language)
    await dialog.save(context(world, chat), fsm_state)
    return Asked(chat, question, button)


async def _goal(world: BotWorld, chat: int):
    user, _created = await world.container.users.resolve_telegram_user(TelegramProfile(telegram_id=chat))
    batch = await world.container.goals.create_batch(user.id, [ProposedGoal(title="Run a marathon").model_dump(
        mode="json")])
    return batch.items[0]


# ---- how to get into each state -----------------------------------------------------------------------------------

async def wheel_scoring(world: BotWorld) -> Asked:
    chat, _user = await onboarded(world)
    await world.say(chat, "/wheel", with_button(":score:"))
    return Asked(chat, "Life wheel", ":score:")


async def wheel_note(world: BotWorld) -> Asked:
    chat, _user = await onboarded(world)
    question = await world.say(chat, "/wheel", with_button(":score:"))
    await world.press(chat, question, ":note:0", with_text("Write a note"))
    return Asked(chat, "Write a note", ":score:")


async def wants_stream(world: BotWorld) -> Asked:
    chat, _user = await onboarded(world)
    await start_stream(world, chat)
    return Asked(chat, "The “I want” stream", ":stop:")


async def wants_future_me(world: BotWorld) -> Asked:
    chat, user = await onboarded(world)
    await world.container.wants.create_raw(user.id)
    await WantsDialog().save(context(world, chat), states.WantsForm.future_me)
    return Asked(chat, "“I am 40”", ":finish")


async def wants_reverse(world: BotWorld) -> Asked:
    chat, user = await onboarded(world)
    await world.container.wants.create_raw(user.id)
    await WantsDialog(step=1).save(context(world, chat), states.WantsForm.reverse)
    return Asked(chat, "2 of 3", ":back:")


async def week_plan(world: BotWorld) -> Asked:
    chat, _user, _steps = await planner(world, ("Long run", 60, 1, MONDAY))
    await world.say(chat, "/calendar plan", with_text("Your week"))
    return Asked(chat, "Your week", ":accept:")


async def goals_saved(world: BotWorld) -> Asked:
    chat, _user = await onboarded(world)
    goal = await _goal(world, chat)
    await SavedGoalsDialog(goal_ids=[goal.id]).save(context(world, chat), states.GoalsForm.saved)
    return Asked(chat, "Shall I draft a plan", ":make")


async def goals_plan(world: BotWorld) -> Asked:
    chat, _user = await onboarded(world)
    goal = await _goal(world, chat)
    step = ProposedStep(key="y1", goal_id=str(goal.id), title="Run 5 km without stopping", level="year")
    await PlanDraftDialog(steps=[step]).save(context(world, chat), states.GoalsForm.plan)
    return Asked(chat, "Run 5 km without stopping", ":save")


REVIEW = GoalReviewDialog(goals=[ProposedGoal(title="Run a marathon"), ProposedGoal(title="Learn Spanish")])
TODAY = MONDAY


@dataclass
class Case:
    enter: Callable[[BotWorld], Awaitable[Asked]]
    text_is_the_answer: bool


CASES: dict[str, Case] = {
    "ProfileForm:language": Case(lambda w: put(w, ProfileDialog(), states.ProfileForm.language,
                                               "Which language", ":language:"), False),
    "ProfileForm:time_zone": Case(lambda w: put(w, ProfileDialog(), states.ProfileForm.time_zone,
                                                "Your time zone", None), True),
    "ProfileForm:time_zone_confirm": Case(lambda w: put(
        w, ProfileDialog(pending_time_zone="Europe/Berlin"), states.ProfileForm.time_zone_confirm, "right?",
        ":tz_confirm:"), True),
    "ProfileForm:morning_time": Case(lambda w: put(w, ProfileDialog(), states.ProfileForm.morning_time,
                                                   "Morning ritual", ":morning_time:"), True),
    "ProfileForm:evening_time": Case(lambda w: put(w, ProfileDialog(), states.ProfileForm.evening_time,
                                                   "Evening ritual", ":evening_time:"), True),
    "ProfileForm:date_of_birth": Case(lambda w: put(w, ProfileDialog(mode="onboarding"),
                                                    states.ProfileForm.date_of_birth, "Date of birth",
                                                    ":date_of_birth:"), True),
    "WheelForm:scoring": Case(wheel_scoring, False),
    "WheelForm:note": Case(wheel_note, True),
    "GoalsForm:reviewing": Case(lambda w: put(w, REVIEW.model_copy(deep=True), states.GoalsForm.reviewing,
                                              "Run a marathon", "gr:"), False),
    "GoalsForm:editing": Case(lambda w: put(w, REVIEW.model_copy(deep=True), states.GoalsForm.editing,
                                            "Send the goal in your own words", None), True),
    "GoalsForm:saved": Case(goals_saved, False),
    "GoalsForm:plan": Case(goals_plan, False),
    "MorningForm:intention": Case(lambda w: put(w, MorningDialog(day=TODAY, energy=7), states.MorningForm.intention,
                                                "One intention for today", None), True),
    "EveningForm:reflection": Case(lambda w: put(w, EveningDialog(day=TODAY, mood=6),
                                                 states.EveningForm.reflection, "One question to close the day",
                                                 None), True),
    "ReviewForm:reflection": Case(lambda w: put(w, ReviewDialog(), states.ReviewForm.reflection,
                                                "Your reflection", None), True),
    "ReviewForm:planning": Case(lambda w: put(w, ReviewDialog(steps=[uuid.uuid4()], titles=["Run 5 km"]),
                                              states.ReviewForm.planning, "Next week", "rv:"), False),
    "ProgressForm:display_name": Case(lambda w: put(w, DisplayNameDialog(), states.ProgressForm.display_name,
                                                    "How shall I show you on the leaderboard", None), True),
    "WantsForm:stream": Case(wants_stream, True),
    "WantsForm:future_me": Case(wants_future_me, True),
    "WantsForm:reverse": Case(wants_reverse, True),
    "StoryForm:interview": Case(lambda w: put(w, InterviewDialog(areas=[InterviewArea(
        id="health", title="Health", emoji="💪", question="How does your body feel in five years?")]),
        states.StoryForm.interview, "How does your body feel in five years?", "fq:"), True),
    "StoryForm:edit": Case(lambda w: put(w, StoryEditDialog(horizon="5y", story="0"), states.StoryForm.edit,
                                         "five-year story", None), True),
    "CalendarForm:plan": Case(week_plan, False),
}


def test_every_dialog_state_declares_how_to_ask_again() -> None:
    assert len(ALL_STATES) >= 23
    assert [state.state for state in ALL_STATES if reask_for(state.state) is None] == []
    assert sorted(state.state for state in ALL_STATES) == sorted(CASES)


def _is_the_question(asked: Asked) -> Callable[[dict], bool]:
    def check(view: dict) -> bool:
        text = view["text"] or ""
        return text.startswith(STILL_WAITING) and asked.question in text and (
            asked.button is None or any(asked.button in data for data in buttons(view)))
    return check


async def _stale_button(world: BotWorld, chat: int) -> dict:
    """A button of an earlier run of the wheel, shown in an old message."""
    stale = WheelAction(nonce="0ld000", step=0, action="score", value=5).pack()
    return await world.bot.send_message(chat, "An old question", reply_markup=InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="5", callback_data=stale)]]))


@pytest.mark.parametrize("state_name", sorted(CASES))
async def test_unexpected_input_in_every_state_gets_the_open_question_again(running: BotWorld,
                                                                            state_name: str) -> None:
    asked = await CASES[state_name].enter(running)
    fsm = context(running, asked.chat)
    old = await _stale_button(running, asked.chat)
    emulator = running.emulator

    probes: list[Callable[[], dict]] = [
        lambda: emulator.user_sends_sticker(asked.chat),
        lambda: emulator.user_sends_photo(asked.chat, png()),
        lambda: emulator.user_sends_voice(asked.chat, b"OggS voice", 2),
    ]
    if not CASES[state_name].text_is_the_answer:
        probes.append(lambda: emulator.user_sends_text(asked.chat, "hmm, what was the question?"))
    replies = []
    for probe in probes:
        sent = probe()
        replies.append(await running.reply(asked.chat, _is_the_question(asked), after_id=sent["message_id"]))
    stale_reply = await running.press(asked.chat, {"id": old.message_id, "keyboard": [[
        {"callback_data": button.callback_data} for button in old.reply_markup.inline_keyboard[0]]]}, ":5",
        _is_the_question(asked))

    assert len(replies) == len(probes) and stale_reply
    assert "This menu is outdated — please use the latest message." in running.answered_notice(asked.chat)
    assert await fsm.get_state() == state_name


async def test_a_state_whose_data_cannot_be_read_ends_with_the_menu(running: BotWorld) -> None:
    chat, _user = await onboarded(running)
    fsm = context(running, chat)
    await fsm.set_state(states.GoalsForm.reviewing)
    await fsm.set_data({"something": "from an older release"})

    sticker = running.emulator.user_sends_sticker(chat)
    menu = await running.reply(chat, after_id=sticker["message_id"])

    assert "Here is what I can do" in menu["text"]
    assert await fsm.get_state() is None


async def test_a_typed_score_counts_like_the_button(running: BotWorld) -> None:
    chat, user = await onboarded(running)
    await running.say(chat, "/wheel", with_text("1 of"))

    second = await running.say(chat, " 7 ", with_text("2 of"))
    out_of_range = await running.say(chat, "11", with_text(STILL_WAITING))

    assert "2 of" in out_of_range["text"]
    assert second["text"].startswith("🎡")
    dialog = states.WheelDialog.of(await context(running, chat).get_state(), await context(running, chat).get_data())
    assert dialog.scores == {dialog.areas[0].id: 7} and dialog.step == 1
    assert await running.container.wheel.latest(user.id) is None


async def test_a_failure_inside_a_dialog_is_told_with_the_open_question(world: BotWorld, monkeypatch) -> None:
    """Whatever handler fails in a dialog, the person reads the error and, under it, the question still open."""
    def failing() -> Router:
        router = Router(name="failing")

        @router.message(F.text == "break it")
        async def fail(message) -> None:
            raise Unprocessable("SOMETHING_INVALID", "a handler refused the input")
        return router

    features = bot.dispatcher.feature_routers
    monkeypatch.setattr(bot.dispatcher, "feature_routers", lambda: [failing(), *features()])
    await world.start()
    chat, _user = await onboarded(world)
    await world.say(chat, "/wheel", with_button(":score:"))

    told = await world.say(chat, "break it", with_text("don't look right"))

    assert "Life wheel · 1 of" in told["text"] and any(":score:" in data for data in buttons(told))
    assert await context(world, chat).get_state() == states.WheelForm.scoring.state
