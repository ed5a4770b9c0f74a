"""/calendar: where planned steps go (Mechta's calendar with its ICS feed, or Google Calendar), connecting and
disconnecting Google, "Plan my week" (a preview to move or skip blocks in, saved in one operation, then a week
picture), today's blocks, and the buttons of block-start reminders."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ai_tail, ai_wait
from bot.calendar_texts import local, today_blocks_text
from bot.errors import error_text
from bot.handlers.fallback import outdated_button
from bot.keyboards.calendar import (
    CalendarAction,
    PlanAction,
    ReminderAction,
    alternatives_keyboard,
    disconnect_keyboard,
    plan_week_keyboard,
)
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.menu import back_to_menu
from bot.render import Screen
from bot.render import calendar as render
from bot.rituals.texts import outdated_text, xp_toast
from bot.slow_work import SlowWork
from bot.states import CalendarEventNote, CalendarForm, PlanBlock, UnplacedStep, WeekPlanDialog
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.messages import double_tap, drop_keyboard
from bot.utils.text import send_long, send_photo
from core.bootstrap import Container
from core.db.models import User
from core.errors import DomainError, NotFound
from core.services.calendar.advice import WeekWording
from core.services.calendar.planning import Interval, alternative_starts
from core.services.calendar.week_planner import BlockChoice, WeekPlan

UPCOMING_DAYS = 14
PLAN_ITEMS_MAX = 30  # with the notes below, the plan stays one message (edits cannot be split)
ALTERNATIVES_MAX = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Saving is already under way (a double tap): the first tap reports; this one only says so.
PLAN_SAVING = "CALENDAR_PLAN_IN_PROGRESS"


# /calendar ------------------------------------------------------------------------------------------------------

async def show_calendar(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    status = await container.calendar.status(user)
    feed_url = None if status.google_connected else status.feed_url or await container.calendar.feed(user)
    text, markup = render.calendar_screen(status, feed_url)
    await bot.send_message(chat_id, text, reply_markup=markup, link_preview_options=NO_PREVIEW)


async def calendar_command(message: Message, command: CommandObject, state: FSMContext, bot: Bot, user: User,
                           container: Container, slow_work: SlowWork | None = None) -> None:
    await state.clear()
    argument = (command.args or "").strip().lower()
    if argument == "disconnect":
        await ask_disconnect(bot, message.chat.id, user, container)
    elif argument in ("plan", "week"):
        await start_week_planning(message, state, container, user, slow_work)
    elif argument == "today":
        await show_today_blocks(bot, message.chat.id, user, container)
    else:
        await show_calendar(bot, message.chat.id, user, container)


async def calendar_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_calendar(bot, callback.from_user.id, user, container)


async def calendar_button(callback: CallbackQuery, callback_data: CalendarAction, state: FSMContext, bot: Bot,
                          user: User, container: Container, slow_work: SlowWork | None = None) -> None:
    action = callback_data.action
    if action in ("plan", "connect", "disconnect") and await double_tap(callback, container.cache):
        return
    if action == "plan":
        await start_week_planning(callback, state, container, user, slow_work)
        return
    await callback.answer()
    chat_id = callback.from_user.id
    if action == "today":
        await show_today_blocks(bot, chat_id, user, container)
    elif action == "connect":
        await send_connect_link(bot, chat_id, user, container)
    elif action == "disconnect":
        await ask_disconnect(bot, chat_id, user, container)
    elif action == "disconnect_yes":
        await drop_keyboard(callback)
        await disconnect(bot, chat_id, user, container)
    elif action == "disconnect_no":
        await drop_keyboard(callback)
        await bot.send_message(chat_id, _("Okay, Google Calendar stays connected."), reply_markup=back_to_menu())


async def show_today_blocks(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text = await today_blocks_text(container, user) or await _nothing_today_text(container, user)
    await bot.send_message(chat_id, text, reply_markup=back_to_menu())


async def _nothing_today_text(container: Container, user: User) -> str:
    """A free day: what is planned next (a week planned ahead shows here), or the invitation to plan."""
    now = container.clock.now()
    try:
        events = await container.calendar.list_events(user, now, now + timedelta(days=UPCOMING_DAYS))
    except DomainError:  # the calendar cannot be read right now: the plain line
        events = []
    upcoming = sorted((event for event in events if event.status != "cancelled" and not event.all_day
                       and event.start_at >= now), key=lambda event: event.start_at)
    if not upcoming:
        return _("Nothing in your calendar today. Plan the week: /calendar")
    return render.nothing_today_text(upcoming, user)


async def send_connect_link(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    try:
        url, expires_at = await container.calendar.oauth.connect_link(user)
    except DomainError as error:  # Google not configured, or not reachable: told with the way back to the menu
        await bot.send_message(chat_id, error_text(error), reply_markup=back_to_menu())
        return
    minutes = max(1, int((expires_at - container.clock.now()).total_seconds() // 60))
    # A link preview would open the link on Telegram's side and use it up.
    await bot.send_message(chat_id, render.connect_link_text(url, expires_at, minutes, user),
                           link_preview_options=NO_PREVIEW)


async def ask_disconnect(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    status = await container.calendar.status(user)
    if not status.google_connected:
        await bot.send_message(chat_id, _("No Google Calendar is connected — your steps go to the Mechta calendar."),
                               reply_markup=back_to_menu())
        return
    await bot.send_message(chat_id, render.disconnect_question(status), reply_markup=disconnect_keyboard())


async def disconnect(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
        removed = await container.calendar.google.disconnect(user)
    text = (_("Google Calendar is disconnected. From now on your steps go to the Mechta calendar: /calendar")
            if removed else _("No Google Calendar is connected — your steps go to the Mechta calendar."))
    await bot.send_message(chat_id, text, reply_markup=back_to_menu())


# Plan my week ---------------------------------------------------------------------------------------------------

async def start_week_planning(event: Message | CallbackQuery, state: FSMContext, container: Container,
                              user: User, slow_work: SlowWork | None = None) -> None:
    """Preview the week's blocks in a message with Move / Skip per block and Accept all. Callable from any
    screen (the weekly review offers it): give the message or the pressed button, the dialog's state and user
    (and the dispatcher's `slow_work`, so in webhook mode the AI's wording runs after the update is answered)."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        chat_id = event.from_user.id
    else:
        chat_id = event.chat.id
    bot = event.bot
    await state.clear()
    await ai_tail(slow_work, container.settings, bot, chat_id, "week_plan",
                  lambda: _preview_week(bot, chat_id, state, container, user))


async def _preview_week(bot: Bot, chat_id: int, state: FSMContext, container: Container, user: User) -> None:
    planner = container.calendar.planner
    wording = WeekWording()
    async with ai_wait(bot, chat_id, _("⏳ Finding free time for your steps…"),
                       retry=plan_week_keyboard()) as progress:
        plan = await planner.preview_week(user, week_start=planner.planning_week(user))
        if plan.placement.blocks:
            await progress.stage(_("✍️ Putting your week into words…"))
            wording = await container.calendar.advisor.explain_week(user, plan)
    if progress.failed:
        return
    if not plan.placement.blocks and not plan.placement.unplaced and not plan.already_scheduled:
        await progress.show(_("There are no open steps planned for this week yet. Pick them in /goals "
                              "(a goal's plan gives them dates) or look at /today."), back_to_menu())
        return
    dialog = _plan_dialog(plan, container, wording)
    await dialog.save(state, CalendarForm.plan)
    await progress.show(*render.plan_screen(dialog, user))


def _plan_dialog(plan: WeekPlan, container: Container, wording: WeekWording) -> WeekPlanDialog:
    blocks = plan.placement.blocks[:PLAN_ITEMS_MAX]
    return WeekPlanDialog(
        week_start=plan.week_start,
        items=[PlanBlock(step=block.step.id, title=block.step.title, start=block.start, end=block.end,
                         reason=wording.reasons.get(block.step.id, "")) for block in blocks],
        summary=wording.summary, wording=wording.source, wording_notice=wording.notice or "",
        left_out=len(plan.placement.blocks) - len(blocks),
        slots=[(slot.start, slot.end) for slot in plan.slots],
        buffer=container.settings.calendar_buffer_minutes,
        cap=plan.daily_cap_minutes,
        load=plan.load_minutes,
        unplaced=[UnplacedStep(title=item.step.title, reason=item.reason) for item in plan.placement.unplaced],
        already=[CalendarEventNote(title=event.title, start=event.start_at, end=event.end_at)
                 for event in plan.already_scheduled],
    )


def _other_starts(dialog: WeekPlanDialog, index: int, zone: ZoneInfo) -> list[datetime]:
    """Other times for block `index` within the free time the preview found, by the planner's rules."""
    others = [item.interval for number, item in enumerate(dialog.items) if number != index and not item.skip]
    slots = [Interval(start, end) for start, end in dialog.slots]
    return alternative_starts(dialog.items[index].interval, others, slots, zone, buffer_minutes=dialog.buffer,
                              daily_cap_minutes=dialog.cap, load_minutes=dialog.load, limit=ALTERNATIVES_MAX)


def _block(dialog: WeekPlanDialog, callback_data: PlanAction) -> PlanBlock | None:
    return dialog.items[callback_data.item] if 0 <= callback_data.item < len(dialog.items) else None


async def block_move_pressed(callback: CallbackQuery, callback_data: PlanAction, dialog: WeekPlanDialog,
                             state: FSMContext, user: User) -> None:
    if _block(dialog, callback_data) is None:
        await callback.answer(outdated_text())
        return
    starts = _other_starts(dialog, callback_data.item, ZoneInfo(user.time_zone))
    if not starts:
        await callback.answer(_("There is no other free time for this block this week."))
        return
    await callback.answer()
    dialog.alternatives = starts
    await dialog.save(state)
    await _edit(callback, render.move_question(dialog, callback_data.item, user), alternatives_keyboard(
        dialog.nonce, callback_data.item, [render.alternative_label(start, user) for start in starts]))


async def plan_changed(callback: CallbackQuery, callback_data: PlanAction, dialog: WeekPlanDialog,
                       state: FSMContext, user: User) -> None:
    """A block moved to an offered time, skipped or kept, or back from the offered times: the plan again."""
    action = callback_data.action
    block = _block(dialog, callback_data)
    if action != "back" and block is None:
        await callback.answer(outdated_text())
        return
    if action == "to":
        if not 0 <= callback_data.choice < len(dialog.alternatives):
            await callback.answer(outdated_text())
            return
        start = dialog.alternatives[callback_data.choice]
        block.start, block.end, block.skip = start, start + (block.end - block.start), False
        block.reason = ""  # the person's choice now, not the planner's
        dialog.items.sort(key=lambda item: item.start)
        await callback.answer(_("Moved"))
    elif action == "skip":
        block.skip = True
        await callback.answer(_("Skipped — it won't be saved"))
    elif action == "keep":
        block.skip = False
        await callback.answer(_("Back in the plan"))
    else:
        await callback.answer()
    dialog.alternatives = []
    await dialog.save(state)
    await _edit(callback, *render.plan_screen(dialog, user))


async def plan_cancelled(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await state.clear()
    await _edit(callback, _("Okay, nothing was saved. Plan again any time: /calendar"))


async def plan_accepted(callback: CallbackQuery, dialog: WeekPlanDialog, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    choices = [BlockChoice(item.step, item.start, item.end) for item in dialog.items if not item.skip]
    if not choices:
        await callback.answer(_("Every block is skipped — there is nothing to save."))
        return
    chat_id = callback.from_user.id
    try:
        async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
            results = await container.calendar.planner.commit_week(user, week_start=dialog.week_start,
                                                                   choices=choices)
    except DomainError as error:
        if error.code == PLAN_SAVING:
            await callback.answer(_("Saving the plan already…"))
            return
        await callback.answer()  # the plan can't be saved as it is: it ends, told in place of the plan
        await state.clear()
        await _edit(callback, error_text(error))
        return
    await callback.answer(_("Saved"))
    await state.clear()
    await _edit(callback, render.summary_text(results, user))
    async with ChatActionSender(bot=bot, chat_id=chat_id, action=ChatAction.UPLOAD_PHOTO):
        picture = await _week_picture(container, user, dialog)
    await send_photo(bot, chat_id, BufferedInputFile(picture, filename="week.png"),
                     _("🗓 Your week in the calendar"), reply_markup=back_to_menu())


async def _week_picture(container: Container, user: User, dialog: WeekPlanDialog) -> bytes:
    zone = ZoneInfo(user.time_zone)
    start = datetime.combine(dialog.week_start, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(dialog.week_start + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    events = await container.calendar.list_events(user, start, end)
    return await render.week_picture(events, dialog.week_start, container.clock.local_today(user.time_zone), user)


@reasks(CalendarForm.plan)
async def ask_plan(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(WeekPlanDialog)
    return None if dialog is None else render.plan_screen(dialog, asked.user)


async def plan_button_outdated(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                               container: Container, raw_state: str | None = None) -> None:
    """A button of a plan that is no longer open: the plan's message loses its buttons (and an open question of
    another dialog is asked again, as for any stale button)."""
    await outdated_button(callback, state, bot, user, container, raw_state)
    await drop_keyboard(callback)


async def _edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
    await send_long(callback.bot, callback.from_user.id, text, reply_markup=markup)


# Block-start reminders ------------------------------------------------------------------------------------------

async def reminder_button(callback: CallbackQuery, callback_data: ReminderAction, user: User,
                          container: Container) -> None:
    try:
        step = await container.steps.get(user.id, uuid.UUID(hex=callback_data.step))
    except (ValueError, NotFound):
        step = None
    if step is None or not step.is_open:
        await callback.answer(outdated_text())
        await drop_keyboard(callback)
        return
    if callback_data.action == "done":
        change = await container.steps.mark_done(user.id, step.id)
        await callback.answer(xp_toast(change.gamification_event, _("✅ Done!")))
        outcome = _("✅ Done — well done!")
    elif callback_data.action == "skip":
        await container.steps.skip(user.id, step.id)
        await callback.answer(_("⏭ Skipped"))
        outcome = _("⏭ Skipped")
    elif callback_data.action == "snooze":
        due = await container.calendar.reminders.snooze(user.id, step.id)
        if due is None:
            await callback.answer(_("Already snoozed"))
            await drop_keyboard(callback)
            return
        outcome = _("😴 I'll remind you again at {time}").format(time=f"{local(due, user.time_zone):%H:%M}")
        await callback.answer(outcome)
    else:
        await callback.answer(outdated_text())
        return
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        await _edit(callback, f"{message.html_text}\n\n{outcome}")
    else:
        await drop_keyboard(callback)


def create_router() -> Router:
    router = Router(name="calendar")
    router.message.register(calendar_command, Command("calendar"))
    router.callback_query.register(calendar_pressed, MenuAction.filter(F.action == "calendar"))
    router.callback_query.register(calendar_button, CalendarAction.filter())
    in_plan = InDialog(WeekPlanDialog)
    router.callback_query.register(block_move_pressed, PlanAction.filter(F.action == "move"), in_plan)
    router.callback_query.register(plan_changed, PlanAction.filter(F.action.in_({"to", "skip", "keep", "back"})),
                                   in_plan)
    router.callback_query.register(plan_cancelled, PlanAction.filter(F.action == "cancel"), in_plan)
    router.callback_query.register(plan_accepted, PlanAction.filter(F.action == "accept"), in_plan)
    router.callback_query.register(plan_button_outdated, PlanAction.filter())
    router.callback_query.register(reminder_button, ReminderAction.filter())
    return router
