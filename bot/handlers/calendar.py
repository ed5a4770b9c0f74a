"""/calendar: where planned steps go (Mechta's calendar with its ICS feed, or Google Calendar), connecting and
disconnecting Google, "Plan my week" (a preview to move or skip blocks in, saved in one operation, then a week
picture), today's blocks, and the buttons of block-start reminders."""
from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.calendar_texts import (
    block_line,
    commit_problem,
    day_heading,
    local,
    short_title,
    time_range,
    today_blocks_text,
    unplaced_reason,
)
from bot.charts_calendar import ChartBlock, render_week_chart
from bot.errors import error_text as domain_error_text
from bot.keyboards.calendar import (
    CalendarAction,
    PlanAction,
    ReminderAction,
    alternatives_keyboard,
    calendar_keyboard,
    disconnect_keyboard,
    plan_keyboard,
)
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.menu import back_to_menu
from bot.rituals.texts import outdated_text, xp_toast
from bot.states import CalendarForm
from bot.utils.messages import drop_keyboard, new_nonce
from bot.utils.text import send_long, send_photo
from core.bootstrap import Container
from core.db.models import User
from core.errors import DomainError
from core.services.calendar.planning import Interval, alternative_starts
from core.services.calendar.week_planner import BlockChoice, CommitItem, WeekPlan

PLAN_ITEMS_MAX = 30  # with the notes below, the plan stays one message (edits cannot be split)
PLAN_NOTES_MAX = 6
ALTERNATIVES_MAX = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CALENDAR_ERROR_KINDS = {
    "CALENDAR_PLAN_IN_PROGRESS": "saving",
    "CALENDAR_STEP_NOT_FOUND": "changed",
    "CALENDAR_NOTHING_TO_PLAN": "changed",
    "CALENDAR_WEEK_PASSED": "changed",
}


# /calendar ------------------------------------------------------------------------------------------------------

async def calendar_screen(container: Container, user: User) -> tuple[str, InlineKeyboardMarkup]:
    status = await container.calendar.status(user)
    lines = [_("📅 <b>Calendar</b>"), ""]
    if status.google_connected:
        lines.append(_("Your planned steps go to Google Calendar ({email}). Move or delete a block there and the "
                       "step follows.").format(email=escape_or_dash(status.google_email)))
    else:
        feed_url = status.feed_url or await container.calendar.feed(user)
        lines += [
            _("Your planned steps go to the Mechta calendar. To see them in your calendar app, subscribe to this "
              "private link:"),
            f"<code>{short_title(feed_url, 500)}</code>",
            "",
            _("• <b>Apple Calendar</b>: File → New Calendar Subscription (iPhone: Settings → Calendar → Accounts → "
              "Add Account → Other → Add Subscribed Calendar)"),
            _("• <b>Google Calendar</b> (on the web): Other calendars → + → From URL"),
            _("• <b>Outlook</b>: Add calendar → Subscribe from web"),
            "",
            _("Keep the link to yourself: anyone who has it sees your planned blocks."),
        ]
        if status.google_configured:
            lines += ["", _("Prefer Google Calendar? Connect it and the blocks go straight there.")]
    markup = calendar_keyboard(google_configured=status.google_configured, google_connected=status.google_connected)
    return "\n".join(lines), markup


def escape_or_dash(value: str | None) -> str:
    return short_title(value, 200) if value else "—"


async def show_calendar(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    text, markup = await calendar_screen(container, user)
    await bot.send_message(chat_id, text, reply_markup=markup, link_preview_options=NO_PREVIEW)


async def calendar_command(message: Message, command: CommandObject, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    await state.clear()
    argument = (command.args or "").strip().lower()
    if argument == "disconnect":
        await ask_disconnect(bot, message.chat.id, user, container)
    elif argument in ("plan", "week"):
        await start_week_planning(message, state, container, user)
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
                          user: User, container: Container) -> None:
    action = callback_data.action
    if action == "plan":
        await start_week_planning(callback, state, container, user)
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
    text = await today_blocks_text(container, user)
    await bot.send_message(chat_id, text or _("Nothing in your calendar today. Plan the week: /calendar"),
                           reply_markup=back_to_menu())


async def send_connect_link(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    try:
        url, expires_at = await container.calendar.oauth.connect_link(user)
    except DomainError as error:
        text = (_("Google Calendar isn't available here. Your steps go to the Mechta calendar: /calendar")
                if error.code == "GOOGLE_NOT_CONFIGURED" else domain_error_text(error))
        await bot.send_message(chat_id, text, reply_markup=back_to_menu())
        return
    minutes = max(1, int((expires_at - container.clock.now()).total_seconds() // 60))
    text = "\n".join([
        _("🔗 <a href=\"{url}\">Connect Google Calendar</a>").format(url=short_title(url, 2000)),
        "",
        _("The link works once and expires in {minutes} min (at {time}). Open it, allow access to your calendar, "
          "and I'll confirm here.").format(minutes=minutes, time=f"{local(expires_at, user.time_zone):%H:%M}"),
    ])
    # A link preview would open the link on Telegram's side and use it up.
    await bot.send_message(chat_id, text, link_preview_options=NO_PREVIEW)


async def ask_disconnect(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    status = await container.calendar.status(user)
    if not status.google_connected:
        await bot.send_message(chat_id, _("No Google Calendar is connected — your steps go to the Mechta calendar."),
                               reply_markup=back_to_menu())
        return
    await bot.send_message(chat_id, _("Disconnect Google Calendar ({email})? I'll revoke my access and forget the "
                                      "tokens; the events already in Google stay there.").format(
        email=escape_or_dash(status.google_email)), reply_markup=disconnect_keyboard())


async def disconnect(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
        removed = await container.calendar.google.disconnect(user)
    text = (_("Google Calendar is disconnected. From now on your steps go to the Mechta calendar: /calendar")
            if removed else _("No Google Calendar is connected — your steps go to the Mechta calendar."))
    await bot.send_message(chat_id, text, reply_markup=back_to_menu())


# Plan my week ---------------------------------------------------------------------------------------------------

async def start_week_planning(event: Message | CallbackQuery, state: FSMContext, container: Container,
                              user: User) -> None:
    """Preview the week's blocks in a message with Move / Skip per block and Accept all. Callable from any
    screen (the weekly review offers it): give the message or the pressed button, the dialog's state and user."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        chat_id = event.from_user.id
    else:
        chat_id = event.chat.id
    bot = event.bot
    await state.clear()
    planner = container.calendar.planner
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
        plan = await planner.preview_week(user, week_start=planner.planning_week(user))
    if not plan.placement.blocks and not plan.placement.unplaced and not plan.already_scheduled:
        await bot.send_message(chat_id, _("There are no open steps planned for this week yet. Pick them in /goals "
                                          "(a goal's plan gives them dates) or look at /today."),
                               reply_markup=back_to_menu())
        return
    data = plan_data(plan, container)
    await state.set_state(CalendarForm.plan)
    await state.set_data(data)
    await bot.send_message(chat_id, plan_text(data, user), reply_markup=plan_markup(data))


def plan_data(plan: WeekPlan, container: Container) -> dict:
    blocks = plan.placement.blocks[:PLAN_ITEMS_MAX]
    return {
        "nonce": new_nonce(),
        "week_start": plan.week_start.isoformat(),
        "items": [{"step": block.step.id.hex, "title": block.step.title, "start": block.start.isoformat(),
                   "end": block.end.isoformat(), "skip": False} for block in blocks],
        "left_out": len(plan.placement.blocks) - len(blocks),
        "slots": [[slot.start.isoformat(), slot.end.isoformat()] for slot in plan.slots],
        "buffer": container.settings.calendar_buffer_minutes,
        "cap": plan.daily_cap_minutes,
        "load": {day.isoformat(): minutes for day, minutes in plan.load_minutes.items()},
        "unplaced": [{"title": item.step.title, "reason": item.reason} for item in plan.placement.unplaced],
        "already": [{"title": event.title, "start": event.start_at.isoformat(), "end": event.end_at.isoformat()}
                    for event in plan.already_scheduled],
        "alternatives": [],
    }


def _interval(item: dict) -> Interval:
    return Interval(datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"]))


def plan_text(data: dict, user: User) -> str:
    monday = date.fromisoformat(data["week_start"])
    lines = [_("🗓 <b>Your week</b> · {start} – {end}").format(
        start=day_heading(monday, user.locale), end=day_heading(monday + timedelta(days=6), user.locale))]
    items = data["items"]
    if items:
        lines += ["", _("Here is where your steps fit into free time. Move or skip any block, then save them all "
                        "at once.")]
        current_day = None
        for number, item in enumerate(items, start=1):
            block = _interval(item)
            day = local(block.start, user.time_zone).date()
            if day != current_day:
                lines += ["", f"<b>{day_heading(day, user.locale)}</b>"]
                current_day = day
            line = f"{time_range(block.start, block.end, user.time_zone)} · {short_title(item['title'])}"
            lines.append(f"{number}. <s>{line}</s>" if item["skip"] else f"{number}. {line}")
        if data["left_out"]:
            lines += ["", _("…and {count} more steps: plan again after saving these.").format(count=data["left_out"])]
    if data["already"]:
        lines += ["", _("<b>Already in your calendar</b>")]
        lines += [f"• {block_line(*_bounds(item), item['title'], user)}" for item in data["already"][:PLAN_NOTES_MAX]]
    if data["unplaced"]:
        lines += ["", _("<b>Didn't fit</b>")]
        lines += [f"• {short_title(item['title'])} — {unplaced_reason(item['reason'])}"
                  for item in data["unplaced"][:PLAN_NOTES_MAX]]
    if not items:
        lines += ["", _("There is nothing new to put into the calendar this week.")]
    return "\n".join(lines)


def plan_markup(data: dict) -> InlineKeyboardMarkup:
    skipped = [item["skip"] for item in data["items"]]
    return plan_keyboard(data["nonce"], skipped, can_save=bool(skipped))


def other_starts(data: dict, index: int, zone: ZoneInfo) -> list[datetime]:
    """Other times for block `index` within the free time the preview found, by the planner's rules."""
    items = data["items"]
    others = [_interval(item) for number, item in enumerate(items) if number != index and not item["skip"]]
    # Dialogs begun before the load was kept in the dialog count no earlier blocks, as they did then.
    load = {date.fromisoformat(day): minutes for day, minutes in data.get("load", {}).items()}
    slots = [Interval(datetime.fromisoformat(start), datetime.fromisoformat(end)) for start, end in data["slots"]]
    return alternative_starts(_interval(items[index]), others, slots, zone, buffer_minutes=data["buffer"],
                              daily_cap_minutes=data["cap"], load_minutes=load, limit=ALTERNATIVES_MAX)


async def plan_button(callback: CallbackQuery, callback_data: PlanAction, state: FSMContext, bot: Bot, user: User,
                      container: Container) -> None:
    data = await state.get_data()
    if await state.get_state() != CalendarForm.plan.state or data.get("nonce") != callback_data.nonce:
        await callback.answer(outdated_text())
        await drop_keyboard(callback)
        return
    items = data["items"]
    action, index = callback_data.action, callback_data.item
    if action in ("move", "skip", "keep", "to") and not 0 <= index < len(items):
        await callback.answer(outdated_text())
        return
    if action == "accept":
        await accept_plan(callback, state, bot, user, container, data)
        return
    if action == "cancel":
        await callback.answer()
        await state.clear()
        await _edit(callback, _("Okay, nothing was saved. Plan again any time: /calendar"))
        return
    if action == "move":
        zone = ZoneInfo(user.time_zone)
        starts = other_starts(data, index, zone)
        if not starts:
            await callback.answer(_("There is no other free time for this block this week."))
            return
        await callback.answer()
        await state.update_data(alternatives=[start.isoformat() for start in starts])
        labels = [f"{day_heading(start.astimezone(zone).date(), user.locale)} {start.astimezone(zone):%H:%M}"
                  for start in starts]
        question = _("↔️ Where should «{title}» go?").format(title=short_title(items[index]["title"]))
        await _edit(callback, f"{plan_text(data, user)}\n\n{question}",
                    alternatives_keyboard(data["nonce"], index, labels))
        return
    if action == "to":
        alternatives = data.get("alternatives") or []
        if not 0 <= callback_data.choice < len(alternatives):
            await callback.answer(outdated_text())
            return
        block = _interval(items[index])
        start = datetime.fromisoformat(alternatives[callback_data.choice])
        items[index].update(start=start.isoformat(), end=(start + (block.end - block.start)).isoformat(), skip=False)
        items.sort(key=lambda item: item["start"])
        await callback.answer(_("Moved"))
    elif action == "skip":
        items[index]["skip"] = True
        await callback.answer(_("Skipped — it won't be saved"))
    elif action == "keep":
        items[index]["skip"] = False
        await callback.answer(_("Back in the plan"))
    else:
        await callback.answer()
    data.update(items=items, alternatives=[])
    await state.set_data(data)
    await _edit(callback, plan_text(data, user), plan_markup(data))


async def accept_plan(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User, container: Container,
                      data: dict) -> None:
    choices = [BlockChoice(uuid.UUID(hex=item["step"]), *_bounds(item)) for item in data["items"] if not item["skip"]]
    if not choices:
        await callback.answer(_("Every block is skipped — there is nothing to save."))
        return
    week_start = date.fromisoformat(data["week_start"])
    chat_id = callback.from_user.id
    try:
        async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
            results = await container.calendar.planner.commit_week(user, week_start=week_start, choices=choices)
    except DomainError as error:
        kind = CALENDAR_ERROR_KINDS.get(error.code)
        if kind == "saving":
            await callback.answer(_("Saving the plan already…"))
            return
        await callback.answer()
        await state.clear()
        text = (_("Your steps changed since this plan was made. Let's look again: /calendar plan")
                if kind == "changed" else domain_error_text(error))
        await _edit(callback, text)
        return
    await callback.answer(_("Saved"))
    await state.clear()
    await _edit(callback, summary_text(results, user))
    async with ChatActionSender.upload_photo(bot=bot, chat_id=chat_id):
        picture = await week_picture(container, user, week_start)
    await send_photo(bot, chat_id, BufferedInputFile(picture, filename="week.png"),
                     _("🗓 Your week in the calendar"), reply_markup=back_to_menu())


def _bounds(item: dict) -> tuple[datetime, datetime]:
    block = _interval(item)
    return block.start, block.end


def summary_text(results: list[CommitItem], user: User) -> str:
    created = [r for r in results if r.status == "created"]
    kept = [r for r in results if r.status == "already_scheduled"]
    problems = [r for r in results if r.status in ("rejected", "failed")]
    lines = [_("✅ <b>Saved to your calendar: {count}</b>").format(count=len(created))]
    lines += [f"• {block_line(r.start, r.end, r.title, user)}" for r in created if r.start and r.end]
    if kept:
        lines += ["", _("<b>Already in your calendar</b>")]
        lines += [f"• {block_line(r.start, r.end, r.title, user)}" for r in kept if r.start and r.end]
    if problems:
        lines += ["", _("⚠️ <b>Not saved</b>")]
        lines += [f"• {short_title(r.title)} — {commit_problem(r.code, r.message)}" for r in problems]
        lines += [_("Plan again to find them another time: /calendar plan")]
    return "\n".join(lines)


async def week_picture(container: Container, user: User, week_start: date) -> bytes:
    zone = ZoneInfo(user.time_zone)
    start = datetime.combine(week_start, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    events = await container.calendar.list_events(user, start, end)
    blocks = []
    for event in events:
        if event.all_day or event.status == "cancelled":
            continue
        begins, ends = event.start_at.astimezone(zone), event.end_at.astimezone(zone)
        column = (begins.date() - week_start).days
        if not 0 <= column < 7:
            continue
        end_hour = 24.0 if ends.date() > begins.date() else ends.hour + ends.minute / 60
        blocks.append(ChartBlock(column, begins.hour + begins.minute / 60, end_hour, event.title,
                                 event.step_id is not None))
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    labels = [f"{format_date(day, format='EEE', locale=user.locale)}\n{day:%d.%m}" for day in days]
    today = container.clock.local_today(user.time_zone)
    title = _("Week {start} – {end}").format(start=f"{days[0]:%d.%m}", end=f"{days[-1]:%d.%m}")
    return await asyncio.to_thread(render_week_chart, labels, blocks, title=title,
                                   highlight_day=(today - week_start).days if today in days else None)


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
    except (ValueError, DomainError):
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
    router.callback_query.register(plan_button, PlanAction.filter())
    router.callback_query.register(reminder_button, ReminderAction.filter())
    return router
