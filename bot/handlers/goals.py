"""/goals and /plan: AI-proposed goals reviewed one by one (accept / edit / drop), saved, then a plan of steps by
level (year → quarter → month → week → day) drafted and saved; the goals list with plan / done / drop buttons; the
cascade of one goal."""
from __future__ import annotations

import uuid
from datetime import date
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ProgressMessage
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.goals import (
    GoalAction,
    GoalReview,
    GoalsAction,
    PlanAction,
    back_to_goals,
    choose_goal_keyboard,
    empty_plan_keyboard,
    goals_list_keyboard,
    make_plan_keyboard,
    propose_keyboard,
    review_keyboard,
    save_plan_keyboard,
)
from bot.rituals.texts import (
    GOAL_ICONS,
    STEP_ICONS,
    gamification_lines,
    horizon_title,
    level_title,
    outdated_text,
    short_day,
    xp_toast,
)
from bot.states import GoalsForm
from bot.utils.messages import drop_keyboard, edit_or_send, new_nonce
from bot.utils.text import send_long
from core.bootstrap import Container
from core.db.models import Goal, User
from core.db.models.goals import STEP_LEVELS
from core.errors import NotFound
from core.services.goals import TITLE_MAX
from core.services.steps import StepNode

NOT_A_COMMAND = F.text & ~F.text.startswith("/")
ACTIVE_SHOWN_MAX = 15
REACHED_SHOWN_MAX = 10
CASCADE_LINES_MAX = 120
GOAL_FIELDS = ("title", "description", "area_id", "horizon", "metric", "why")


# ---- the list -------------------------------------------------------------------------------------------------

def _goals_text(goals: list[Goal]) -> tuple[str, list[Goal]]:
    active = [goal for goal in goals if goal.status == "active"][:ACTIVE_SHOWN_MAX]
    reached = [goal for goal in goals if goal.status == "done"]
    dropped = sum(1 for goal in goals if goal.status == "dropped")
    lines = [_("🎯 <b>Your goals</b>"), ""]
    for number, goal in enumerate(active, start=1):
        lines.append(f"{number}. {GOAL_ICONS['active']} {escape(goal.title)} · {horizon_title(goal.horizon)}")
    if not active:
        lines.append(_("No active goals right now."))
    if reached:
        lines += ["", _("<b>Reached</b>")]
        lines += [f"{GOAL_ICONS['done']} {escape(goal.title)}" for goal in reached[-REACHED_SHOWN_MAX:]]
    if dropped:
        lines += ["", _("✖️ Dropped: {count}").format(count=dropped)]
    if active:
        lines += ["", _("Buttons: 🗺 the plan · ✅ reached · ✖️ drop — by the goal's number.")]
    return "\n".join(lines), active


async def show_goals(bot: Bot, chat_id: int, user: User, container: Container,
                     callback: CallbackQuery | None = None) -> None:
    goals = await container.goals.list(user.id)
    if not goals:
        text = "\n\n".join([
            _("🎯 <b>Goals</b>"),
            _("You have no goals yet. I can propose a few from your life wheel, your wants and your future story — "
              "you decide which to keep."),
        ])
        markup = propose_keyboard()
    else:
        text, active = _goals_text(goals)
        markup = goals_list_keyboard(active)
    if callback is not None:
        await edit_or_send(bot, callback, text, markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


async def goals_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await show_goals(bot, message.chat.id, user, container)


async def goals_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_goals(bot, callback.from_user.id, user, container)


# ---- proposing and reviewing ----------------------------------------------------------------------------------

def _card(data: dict[str, Any]) -> str:
    index, goals = data["index"], data["goals"]
    goal = goals[index]
    lines = [_("🎯 <b>Goal {number} of {total}</b>").format(number=index + 1, total=len(goals)), "",
             f"<b>{escape(goal['title'])}</b>"]
    if goal.get("description"):
        lines.append(escape(goal["description"]))
    lines.append("")
    area = data["areas"].get(goal.get("area_id") or "")
    meta = _("⏳ Horizon: {horizon}").format(horizon=horizon_title(goal["horizon"]))
    lines.append(f"🗂 {escape(area)} · {meta}" if area else meta)
    if goal.get("metric"):
        lines.append(_("📏 Measure: {metric}").format(metric=escape(goal["metric"])))
    if goal.get("why"):
        lines.append(_("💡 Why: {why}").format(why=escape(goal["why"])))
    return "\n".join(lines)


async def propose(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    await state.clear()
    progress = ProgressMessage(bot, chat_id)
    await progress.show(_("⏳ Looking at your wheel, wants and story to propose goals…"))
    async with progress.working():
        proposal = await container.goals.generate(user.id)
    if progress.failed:
        return
    if not proposal.goals:
        await progress.show(_("I couldn't put together goals from what I know yet. Try the /wheel first."))
        return
    areas = {area.id: area.title(user.locale) for area in await container.areas.active_areas()}
    data = {"nonce": new_nonce(), "index": 0, "accepted": [], "areas": areas,
            "goals": [goal.model_dump(mode="json", include=set(GOAL_FIELDS)) for goal in proposal.goals]}
    intro = _("✨ I have {count} goals to suggest. Let's go through them one by one: accept, edit or drop each."
              ).format(count=len(data["goals"]))
    if proposal.notice:
        intro += f"\n\n<i>{escape(proposal.notice)}</i>"
    await progress.show(intro)
    await state.set_state(GoalsForm.reviewing)
    await state.set_data(data)
    await bot.send_message(chat_id, _card(data), reply_markup=review_keyboard(data["nonce"], 0))


async def propose_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await propose(bot, callback.from_user.id, state, user, container)


async def review_button(callback: CallbackQuery, callback_data: GoalReview, state: FSMContext, bot: Bot,
                        user: User, container: Container) -> None:
    data = await state.get_data()
    if callback_data.nonce != data.get("nonce") or callback_data.index != data.get("index"):
        await callback.answer(outdated_text())
        return
    goal = data["goals"][data["index"]]
    if callback_data.action == "edit":
        await state.set_state(GoalsForm.editing)
        await callback.answer()
        await bot.send_message(callback.from_user.id, _(
            "✏️ Send the goal in your own words (up to {limit} characters) — it replaces the title.").format(
            limit=TITLE_MAX))
        return
    if callback_data.action == "accept":
        data["accepted"].append(goal)
        await callback.answer(_("✅ Accepted"))
    else:
        await callback.answer(_("🗑 Dropped"))
    data["index"] += 1
    await state.set_state(GoalsForm.reviewing)
    await state.set_data(data)
    if data["index"] < len(data["goals"]):
        await edit_or_send(bot, callback, _card(data), review_keyboard(data["nonce"], data["index"]))
        return
    await drop_keyboard(callback)
    await _save_accepted(bot, callback.from_user.id, state, user, container, data["accepted"])


async def title_written(message: Message, state: FSMContext, user: User) -> None:
    title = " ".join(message.text.split())
    if len(title) > TITLE_MAX:
        await message.answer(_("That's {length} characters; please keep it under {limit}.").format(
            length=len(title), limit=TITLE_MAX))
        return
    data = await state.get_data()
    data["goals"][data["index"]]["title"] = title
    await state.set_state(GoalsForm.reviewing)
    await state.set_data(data)
    await message.answer(_card(data), reply_markup=review_keyboard(data["nonce"], data["index"]))


async def title_expected(message: Message) -> None:
    await message.answer(_("Please send the new title as text — or /cancel to stop."))


async def _save_accepted(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                         accepted: list[dict[str, Any]]) -> None:
    if not accepted:
        await state.clear()
        await bot.send_message(chat_id, _("No goals kept this time. Send /goals whenever you want to try again."))
        return
    await state.clear()  # saved or not, the review is over
    batch = await container.goals.create_batch(user.id, accepted)
    nonce = new_nonce()
    await state.set_state(GoalsForm.saved)
    await state.set_data({"nonce": nonce, "goal_ids": [goal.id.hex for goal in batch.items]})
    lines = [_("💾 <b>Saved {count} goals:</b>").format(count=len(batch.items))]
    lines += [f"{GOAL_ICONS['active']} {escape(goal.title)}" for goal in batch.items]
    lines += ["", *gamification_lines(batch.gamification_event, user.locale)]
    lines += ["", _("Shall I draft a plan for them — year, quarter, month, week and day?")]
    await send_long(bot, chat_id, "\n".join(lines), reply_markup=make_plan_keyboard(nonce))


# ---- plans ----------------------------------------------------------------------------------------------------

def _plan_text(steps: list[dict[str, Any]], goal_titles: dict[str, str], locale: str) -> str:
    blocks = [_("🗺 <b>The draft plan</b>")]
    for goal_id in dict.fromkeys(step["goal_id"] for step in steps):
        lines = [f"🎯 <b>{escape(goal_titles.get(goal_id, ''))}</b>"]
        for level in STEP_LEVELS:
            on_level = [step for step in steps if step["goal_id"] == goal_id and step["level"] == level]
            if not on_level:
                continue
            lines.append(f"<i>{level_title(level)}</i>")
            for step in on_level:
                when = f" · {short_day(date.fromisoformat(step['planned_date']), locale)}" \
                    if step.get("planned_date") else ""
                lines.append(f"• {escape(step['title'])}{when}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


async def start_plan(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                     goal_ids: list[uuid.UUID]) -> None:
    await state.clear()
    progress = ProgressMessage(bot, chat_id)
    await progress.show(_("⏳ Drafting the plan: year → quarter → month → week → day…"))
    async with progress.working():
        proposal = await container.steps.generate(user.id, goal_ids)
    if progress.failed:
        return
    if not proposal.steps:
        await progress.show(_("I couldn't draft steps for this goal. Please try again later."))
        return
    titles = {str(goal.id): goal.title for goal in await container.goals.list(user.id)}
    steps = [step.model_dump(mode="json") for step in proposal.steps]
    nonce = new_nonce()
    await state.set_state(GoalsForm.plan)
    await state.set_data({"nonce": nonce, "steps": steps})
    await progress.show(_("✅ The draft is ready. Save it, or discard it and come back later."))
    text = _plan_text(steps, titles, user.locale)
    if proposal.notice:
        text += f"\n\n<i>{escape(proposal.notice)}</i>"
    await send_long(bot, chat_id, text, reply_markup=save_plan_keyboard(nonce))


async def plan_button(callback: CallbackQuery, callback_data: PlanAction, state: FSMContext, bot: Bot, user: User,
                      container: Container) -> None:
    data = await state.get_data()
    allowed_in = {"make": (GoalsForm.saved.state,), "save": (GoalsForm.plan.state,),
                  "discard": (GoalsForm.saved.state, GoalsForm.plan.state)}
    current = await state.get_state()
    if callback_data.nonce != data.get("nonce") or current not in allowed_in.get(callback_data.action, ()):
        await callback.answer(outdated_text())
        return
    await callback.answer()
    await drop_keyboard(callback)
    if callback_data.action == "discard":
        await state.clear()
        await bot.send_message(callback.from_user.id, _("Okay, nothing more saved. /plan is there whenever you "
                                                        "want a plan."), reply_markup=back_to_goals())
    elif callback_data.action == "make":
        await start_plan(bot, callback.from_user.id, state, user, container,
                         [uuid.UUID(hex=goal_id) for goal_id in data["goal_ids"]])
    else:
        await _save_plan(bot, callback.from_user.id, state, user, container, data["steps"])


async def _save_plan(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                     steps: list[dict[str, Any]]) -> None:
    items = [{
        "key": step["key"], "parent_key": step.get("parent_key"), "goal_id": uuid.UUID(step["goal_id"]),
        "title": step["title"], "level": step["level"],
        "planned_date": date.fromisoformat(step["planned_date"]) if step.get("planned_date") else None,
        "estimated_minutes": step.get("estimated_minutes"), "priority": step.get("priority") or 2,
    } for step in steps]
    await state.clear()
    batch = await container.steps.create_batch(user.id, items)
    lines = [_("💾 <b>The plan is saved: {count} steps.</b> Today's ones are in /today, the whole cascade of a goal "
               "in /plan.").format(count=len(batch.items)), "",
             *gamification_lines(batch.gamification_event, user.locale)]
    await bot.send_message(chat_id, "\n".join(lines).strip(), reply_markup=back_to_goals())


def _cascade_lines(nodes: list[StepNode], locale: str, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        step = node.step
        when = f" · {short_day(step.planned_date, locale)}" if step.planned_date else ""
        indent = "\u2003" * depth  # an em space: Telegram keeps it, unlike leading ordinary spaces
        lines.append(f"{indent}{STEP_ICONS.get(step.status, '▫️')} <i>{level_title(step.level)}</i>: "
                     f"{escape(step.title)}{when}")
        lines += _cascade_lines(node.children, locale, depth + 1)
    return lines


async def show_cascade(bot: Bot, chat_id: int, user: User, container: Container, goal_id: uuid.UUID) -> None:
    cascade = await container.steps.cascade(user.id, goal_id)
    goal = cascade.goal
    header = f"{GOAL_ICONS.get(goal.status, '🎯')} <b>{escape(goal.title)}</b> · {horizon_title(goal.horizon)}"
    if not cascade.roots:
        await bot.send_message(chat_id, "\n\n".join([header, _("No steps yet. Shall I draft a plan?")]),
                               reply_markup=empty_plan_keyboard(goal))
        return
    lines = _cascade_lines(cascade.roots, user.locale)
    if len(lines) > CASCADE_LINES_MAX:
        lines = [*lines[:CASCADE_LINES_MAX], _("…and {count} more steps").format(count=len(lines) - CASCADE_LINES_MAX)]
    await send_long(bot, chat_id, "\n\n".join([header, "\n".join(lines)]), reply_markup=back_to_goals())


async def plan_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    active = await container.goals.list(user.id, status="active")
    if not active:
        await message.answer(_("There are no active goals to plan yet. Start with /goals."))
    elif len(active) == 1:
        await show_cascade(bot, message.chat.id, user, container, active[0].id)
    else:
        await message.answer(_("🗺 Which goal's plan shall I show?"),
                             reply_markup=choose_goal_keyboard(active[:ACTIVE_SHOWN_MAX]))


async def goal_button(callback: CallbackQuery, callback_data: GoalAction, state: FSMContext, bot: Bot, user: User,
                      container: Container) -> None:
    try:
        goal = await container.goals.get(user.id, uuid.UUID(hex=callback_data.goal))
    except (ValueError, NotFound):
        await callback.answer(outdated_text())
        return
    if callback_data.action == "plan":
        await callback.answer()
        await show_cascade(bot, callback.from_user.id, user, container, goal.id)
        return
    if goal.status != "active" or callback_data.action not in ("done", "drop", "generate"):
        await callback.answer(outdated_text())
        await show_goals(bot, callback.from_user.id, user, container, callback)
        return
    if callback_data.action == "generate":
        await callback.answer()
        await drop_keyboard(callback)
        await start_plan(bot, callback.from_user.id, state, user, container, [goal.id])
        return
    fields = {name: getattr(goal, name) for name in GOAL_FIELDS}
    fields["status"] = "done" if callback_data.action == "done" else "dropped"
    change = await container.goals.update(user.id, goal.id, fields)
    if callback_data.action == "done":
        await callback.answer(xp_toast(change.gamification_event, _("🏁 Goal reached!")))
    else:
        await callback.answer(_("✖️ Goal dropped"))
    await show_goals(bot, callback.from_user.id, user, container, callback)


async def goals_list_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                             container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_goals(bot, callback.from_user.id, user, container)


def create_router() -> Router:
    router = Router(name="goals")
    router.message.register(goals_command, Command("goals"))
    router.message.register(plan_command, Command("plan"))
    router.callback_query.register(goals_pressed, MenuAction.filter(F.action == "goals"))
    router.callback_query.register(propose_pressed, GoalsAction.filter(F.action == "propose"))
    router.callback_query.register(goals_list_pressed, GoalsAction.filter(F.action == "list"))
    router.callback_query.register(review_button, GoalsForm.reviewing, GoalReview.filter())
    router.callback_query.register(review_button, GoalsForm.editing, GoalReview.filter())
    router.callback_query.register(plan_button, PlanAction.filter())
    router.callback_query.register(goal_button, GoalAction.filter())
    router.message.register(title_written, GoalsForm.editing, NOT_A_COMMAND)
    router.message.register(title_expected, GoalsForm.editing, ~F.text)
    return router
