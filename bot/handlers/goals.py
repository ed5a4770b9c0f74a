"""/goals and /plan: AI-proposed goals reviewed one by one (accept / edit / drop), saved, then a plan of steps by
level (year → quarter → month → week → day) drafted and saved; the goals list with plan / done / drop buttons; the
cascade of one goal."""
from __future__ import annotations

import uuid

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ai_tail, ai_wait
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.goals import (
    DropAction,
    GoalAction,
    GoalReview,
    GoalsAction,
    PlanAction,
    back_to_goals,
    choose_goal_keyboard,
    empty_plan_keyboard,
    make_plan_keyboard,
    plan_saved_keyboard,
    retry_goal_plan_keyboard,
    retry_plan_keyboard,
    retry_propose_keyboard,
    save_plan_keyboard,
)
from bot.render import Screen, too_long
from bot.render import goals as render
from bot.rituals.texts import outdated_text, xp_toast
from bot.slow_work import SlowWork
from bot.states import GoalReviewDialog, GoalsForm, PlanDraftDialog, SavedGoalsDialog
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import OWN_TEXT, InState
from bot.utils.messages import drop_keyboard, edit_or_send, first_press, show
from bot.utils.text import send_long
from core.bootstrap import Container
from core.db.models import User
from core.errors import NotFound
from core.prompts.goals import ProposedGoal
from core.services.goals import TITLE_MAX

GOAL_FIELDS = ("title", "description", "area_id", "horizon", "metric", "why")


# ---- the list -------------------------------------------------------------------------------------------------

async def show_goals(bot: Bot, chat_id: int, user: User, container: Container,
                     callback: CallbackQuery | None = None) -> None:
    await show(bot, chat_id, *render.goals_screen(await container.goals.list(user.id)), callback=callback)


async def goals_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await show_goals(bot, message.chat.id, user, container)


async def goals_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_goals(bot, callback.from_user.id, user, container)


# ---- proposing and reviewing ----------------------------------------------------------------------------------

async def propose(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                  slow_work: SlowWork | None = None) -> None:
    await state.clear()
    await ai_tail(slow_work, container.settings, bot, chat_id, "goals",
                  lambda: _propose(bot, chat_id, state, user, container))


async def _propose(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container) -> None:
    async with ai_wait(bot, chat_id, _("⏳ Looking at your wheel, wants and story to propose goals…"),
                       retry=retry_propose_keyboard(), otherwise=back_to_goals()) as progress:
        proposal = await container.goals.generate(user.id)
    if progress.failed:
        return
    if not proposal.goals:
        await progress.show(_("I couldn't put together goals from what I know yet. Try the /wheel first."),
                            retry_propose_keyboard())
        return
    areas = {area.id: area.title(user.locale) for area in await container.areas.active_areas()}
    dialog = GoalReviewDialog(goals=proposal.goals, areas=areas)
    await progress.show(render.proposal_intro(len(dialog.goals), proposal.notice))
    await dialog.save(state, GoalsForm.reviewing)
    text, markup = render.card(dialog)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def propose_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container, slow_work: SlowWork | None = None) -> None:
    if not await first_press(callback, container.cache):  # the other tap of a double tap: one proposal
        await callback.answer(_("⏳ On it — see the chat below."))
        return
    await callback.answer()
    await drop_keyboard(callback)
    await propose(bot, callback.from_user.id, state, user, container, slow_work)


async def review_button(callback: CallbackQuery, callback_data: GoalReview, dialog: GoalReviewDialog,
                        state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    if callback_data.action == "edit":
        await dialog.save(state, GoalsForm.editing)
        await callback.answer()
        await bot.send_message(callback.from_user.id, render.title_prompt(TITLE_MAX))
        return
    if callback_data.action == "accept":
        dialog.accepted.append(dialog.goal)
        await callback.answer(_("✅ Accepted"))
    else:
        await callback.answer(_("🗑 Dropped"))
    dialog.step += 1
    await dialog.save(state, GoalsForm.reviewing)
    if not dialog.finished:
        await edit_or_send(bot, callback, *render.card(dialog))
        return
    await drop_keyboard(callback)
    await _save_accepted(bot, callback.from_user.id, state, user, container, dialog.accepted)


async def title_written(message: Message, dialog: GoalReviewDialog, state: FSMContext) -> None:
    title = " ".join(message.text.split())
    if len(title) > TITLE_MAX:
        await message.answer(too_long(len(title), TITLE_MAX))
        return
    dialog.goal.title = title
    await dialog.save(state, GoalsForm.reviewing)
    text, markup = render.card(dialog)
    await message.answer(text, reply_markup=markup)


@reasks(GoalsForm.reviewing)
async def ask_review(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(GoalReviewDialog)
    return None if dialog is None or dialog.finished else render.card(dialog)


@reasks(GoalsForm.editing)
async def ask_title(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(GoalReviewDialog)
    return None if dialog is None or dialog.finished else Screen(render.title_prompt(TITLE_MAX))


@reasks(GoalsForm.saved)
async def ask_make_plan(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(SavedGoalsDialog)
    if dialog is None:
        return None
    saved = [goal for goal in await asked.container.goals.list(asked.user.id) if goal.id in dialog.goal_ids]
    return render.make_plan_question(saved, dialog)


@reasks(GoalsForm.plan)
async def ask_save_plan(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(PlanDraftDialog)
    if dialog is None:
        return None
    titles = {str(goal.id): goal.title for goal in await asked.container.goals.list(asked.user.id)}
    return render.draft_question(dialog, titles, asked.user.locale)


async def _save_accepted(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                         accepted: list[ProposedGoal]) -> None:
    await state.clear()  # saved or not, the review is over
    if not accepted:
        await bot.send_message(chat_id, _("No goals kept this time. Send /goals whenever you want to try again."))
        return
    batch = await container.goals.create_batch(user.id, [goal.model_dump(mode="json") for goal in accepted])
    dialog = SavedGoalsDialog(goal_ids=[goal.id for goal in batch.items])
    await dialog.save(state, GoalsForm.saved)
    await send_long(bot, chat_id, render.saved_goals_text(batch.items, batch.gamification_event, user.locale),
                    reply_markup=make_plan_keyboard(dialog.nonce))


# ---- plans ----------------------------------------------------------------------------------------------------

async def start_plan(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                     goal_ids: list[uuid.UUID], retry: InlineKeyboardMarkup,
                     slow_work: SlowWork | None = None) -> None:
    """Draft the plan of these goals. A failure is told with `retry` (another try at the same goals: a dialog that
    holds them stays open until a draft is shown), and names the goals."""
    await ai_tail(slow_work, container.settings, bot, chat_id, "steps",
                  lambda: _draft_plan(bot, chat_id, state, user, container, goal_ids, retry))


async def _draft_plan(bot: Bot, chat_id: int, state: FSMContext, user: User, container: Container,
                      goal_ids: list[uuid.UUID], retry: InlineKeyboardMarkup) -> None:
    async with ai_wait(bot, chat_id, _("⏳ Drafting the plan: year → quarter → month → week → day…"), retry=retry,
                       otherwise=back_to_goals()) as progress:
        proposal = await container.steps.generate(user.id, goal_ids)
    if progress.failed:
        return
    titles = {str(goal.id): goal.title for goal in await container.goals.list(user.id)}
    if not proposal.steps:
        await progress.show(render.no_steps_text([titles.get(str(goal_id), "") for goal_id in goal_ids],
                                                 user.locale), retry)
        return
    dialog = PlanDraftDialog(steps=proposal.steps)
    await dialog.save(state, GoalsForm.plan)
    await progress.done(_("✅ The draft is ready. Save it, or discard it and come back later."))
    await send_long(bot, chat_id, render.plan_text(dialog.steps, titles, user.locale, proposal.notice),
                    reply_markup=save_plan_keyboard(dialog.nonce))


async def make_plan_pressed(callback: CallbackQuery, dialog: SavedGoalsDialog, state: FSMContext, bot: Bot,
                            user: User, container: Container, slow_work: SlowWork | None = None) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await start_plan(bot, callback.from_user.id, state, user, container, dialog.goal_ids,
                     retry_plan_keyboard(dialog.nonce), slow_work)


async def save_plan_pressed(callback: CallbackQuery, dialog: PlanDraftDialog, state: FSMContext, bot: Bot,
                            user: User, container: Container) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await state.clear()
    items = [{"key": step.key, "parent_key": step.parent_key, "goal_id": uuid.UUID(step.goal_id), "title": step.title,
              "level": step.level, "planned_date": step.planned_date, "estimated_minutes": step.estimated_minutes,
              "priority": step.priority or 2} for step in dialog.steps]
    batch = await container.steps.create_batch(user.id, items)
    await bot.send_message(callback.from_user.id, render.plan_saved_text(
        len(batch.items), batch.gamification_event, user.locale), reply_markup=plan_saved_keyboard())


async def discard_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot) -> None:
    await callback.answer()
    await drop_keyboard(callback)
    await state.clear()
    await bot.send_message(callback.from_user.id, _("Okay, nothing more saved. /plan is there whenever you want a "
                                                    "plan."), reply_markup=back_to_goals())


async def show_cascade(bot: Bot, chat_id: int, user: User, container: Container, goal_id: uuid.UUID) -> None:
    cascade = await container.steps.cascade(user.id, goal_id)
    if not cascade.roots:
        await bot.send_message(chat_id, "\n\n".join([render.goal_heading(cascade.goal),
                                                     _("No steps yet. Shall I draft a plan?")]),
                               reply_markup=empty_plan_keyboard(cascade.goal))
        return
    await send_long(bot, chat_id, render.cascade_text(cascade.goal, cascade.roots, user.locale),
                    reply_markup=back_to_goals())


async def plan_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    active = await container.goals.list(user.id, status="active")
    if not active:
        await message.answer(_("There are no active goals to plan yet. Start with /goals."))
    elif len(active) == 1:
        await show_cascade(bot, message.chat.id, user, container, active[0].id)
    else:
        await message.answer(_("🗺 Which goal's plan shall I show?"),
                             reply_markup=choose_goal_keyboard(active[:render.ACTIVE_SHOWN_MAX]))


async def goal_button(callback: CallbackQuery, callback_data: GoalAction, state: FSMContext, bot: Bot, user: User,
                      container: Container, slow_work: SlowWork | None = None) -> None:
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
        if not await first_press(callback, container.cache):
            await callback.answer(_("⏳ On it — see the chat below."))
            return
        await callback.answer()
        await drop_keyboard(callback)
        await state.clear()
        await start_plan(bot, callback.from_user.id, state, user, container, [goal.id],
                         retry_goal_plan_keyboard(goal), slow_work)
        return
    if callback_data.action == "drop":  # one tap must not lose a goal: asked first
        await callback.answer()
        await show(bot, callback.from_user.id, *render.drop_question(goal), callback=callback)
        return
    change = await container.goals.update(user.id, goal.id, _fields(goal, status="done"))
    await callback.answer(xp_toast(change.gamification_event, _("🏁 Goal reached!")))
    await show_goals(bot, callback.from_user.id, user, container, callback)


def _fields(goal, *, status: str) -> dict:
    fields = {name: getattr(goal, name) for name in GOAL_FIELDS}
    fields["status"] = status
    return fields


async def drop_answered(callback: CallbackQuery, callback_data: DropAction, bot: Bot, user: User,
                        container: Container) -> None:
    try:
        goal = await container.goals.get(user.id, uuid.UUID(hex=callback_data.goal))
    except (ValueError, NotFound):
        await callback.answer(outdated_text())
        return
    if callback_data.action == "yes" and goal.status == "active":
        await container.goals.update(user.id, goal.id, _fields(goal, status="dropped"))
        await callback.answer(_("✖️ Goal dropped"))
    else:
        await callback.answer()
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
    in_review = InDialog(GoalReviewDialog)
    router.callback_query.register(review_button, GoalReview.filter(), in_review)
    router.message.register(title_written, InState(GoalsForm.editing), OWN_TEXT, in_review)
    saved, draft = InDialog(SavedGoalsDialog), InDialog(PlanDraftDialog)
    router.callback_query.register(make_plan_pressed, PlanAction.filter(F.action == "make"), saved)
    router.callback_query.register(save_plan_pressed, PlanAction.filter(F.action == "save"), draft)
    router.callback_query.register(discard_pressed, PlanAction.filter(F.action == "discard"), saved)
    router.callback_query.register(discard_pressed, PlanAction.filter(F.action == "discard"), draft)
    router.callback_query.register(goal_button, GoalAction.filter())
    router.callback_query.register(drop_answered, DropAction.filter())
    return router
