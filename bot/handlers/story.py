"""/story: an interview of one question per life area (answers saved as they come, skip and back, resumable),
then the AI story of life in three and five years, rewriting a horizon, and pictures for a vision board."""
from __future__ import annotations

import contextlib
import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from bot.ai_work import ai_tail, ai_wait
from bot.keyboards.callbacks import MenuAction
from bot.keyboards.story import (
    StoryAction,
    StoryGenerate,
    StoryMenu,
    StoryPicture,
    StoryStep,
    pictures_keyboard,
    retry_generate_keyboard,
    retry_picture_keyboard,
    story_keyboard,
    story_token,
)
from bot.render import Screen
from bot.render import story as render
from bot.rituals.texts import outdated_text
from bot.slow_work import SlowWork
from bot.states import InterviewArea, InterviewDialog, StoryEditDialog, StoryForm
from bot.utils.dialog import InDialog, OpenQuestion, reasks
from bot.utils.filters import OWN_TEXT, InState
from bot.utils.messages import double_tap, show
from bot.utils.text import CAPTION_LIMIT, send_long, send_photo, split_text
from core.bootstrap import Container
from core.db.models import FutureStory, User
from core.errors import DomainError, NotFound

log = logging.getLogger("mechta.bot.story")

MEDIA_GROUP_MAX = 10


# ---- the home screen -------------------------------------------------------------------------------------------

async def show_home(bot: Bot, chat_id: int, user: User, container: Container) -> None:
    questions = await container.future_story.questions(user.locale)
    answered = len(await container.future_story.drafts(user.id))
    latest = await container.future_story.latest(user.id)
    text, markup = render.home(answered=answered, total=len(questions), latest=latest.id if latest else None)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def story_command(message: Message, state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await state.clear()
    await show_home(bot, message.chat.id, user, container)


async def story_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                        container: Container) -> None:
    await callback.answer()
    await state.clear()
    await show_home(bot, callback.from_user.id, user, container)


# ---- the interview ---------------------------------------------------------------------------------------------

async def start_interview(callback: CallbackQuery, state: FSMContext, bot: Bot, user: User,
                          container: Container) -> None:
    if await double_tap(callback, container.cache):
        return
    await callback.answer()
    questions = await container.future_story.questions(user.locale)
    if not questions:
        await bot.send_message(callback.from_user.id, _("There are no life areas to ask about yet."))
        return
    answered = {draft.area_id for draft in await container.future_story.drafts(user.id)}
    first_open = next((index for index, q in enumerate(questions) if q.area_id not in answered), 0)
    dialog = InterviewDialog(step=first_open, areas=[
        InterviewArea(id=q.area_id, title=q.title, emoji=q.emoji, question=q.question) for q in questions])
    await dialog.save(state, StoryForm.interview)
    await show(bot, callback.from_user.id, *await _question(dialog, user, container))


async def _question(dialog: InterviewDialog, user: User, container: Container) -> Screen:
    answers = {draft.area_id: draft.answer for draft in await container.future_story.drafts(user.id)}
    return render.question(dialog, answers.get(dialog.area.id))


async def _advance(bot: Bot, chat_id: int, state: FSMContext, dialog: InterviewDialog, user: User,
                   container: Container, callback: CallbackQuery | None = None) -> None:
    dialog.step += 1
    if dialog.step < len(dialog.areas):
        await dialog.save(state)
        await show(bot, chat_id, *await _question(dialog, user, container), callback=callback)
        return
    await state.clear()
    answered = len(await container.future_story.drafts(user.id))
    latest = await container.future_story.latest(user.id)
    await show(bot, chat_id, *render.interview_done(answered=answered, total=len(dialog.areas),
                                                    latest=latest.id if latest else None), callback=callback)


async def interview_answer(message: Message, dialog: InterviewDialog, state: FSMContext, bot: Bot, user: User,
                           container: Container) -> None:
    area = dialog.area
    try:
        await container.future_story.save_draft(user, area.id, message.text, area.question)
    except DomainError as error:
        if error.code == "FUTURE_STORY_INVALID_AREA":  # the areas asked about are gone: this interview is over
            await state.clear()
        raise
    await _advance(bot, message.chat.id, state, dialog, user, container)


async def interview_button(callback: CallbackQuery, callback_data: StoryStep, dialog: InterviewDialog,
                           state: FSMContext, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    if callback_data.action == "back":
        dialog.step = max(0, dialog.step - 1)
        await dialog.save(state)
        await show(bot, callback.from_user.id, *await _question(dialog, user, container), callback=callback)
        return
    await _advance(bot, callback.from_user.id, state, dialog, user, container, callback)


@reasks(StoryForm.interview)
async def ask_interview(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(InterviewDialog)
    if dialog is None or not 0 <= dialog.step < len(dialog.areas):
        return None
    return await _question(dialog, asked.user, asked.container)


# ---- the story -------------------------------------------------------------------------------------------------

async def _areas_by_id(container: Container) -> dict:
    return {area.id: area for area in await container.areas.list(include_inactive=True)}


async def deliver_story(bot: Bot, chat_id: int, story: FutureStory, user: User, container: Container) -> None:
    areas = await _areas_by_id(container)
    await send_long(bot, chat_id, render.horizon_text(story, "3y", areas))
    await send_long(bot, chat_id, "\n\n".join([render.horizon_text(story, "5y", areas),
                                                render.story_footer(story, user.locale)]),
                    reply_markup=story_keyboard(story.id))


async def generate_pressed(callback: CallbackQuery, callback_data: StoryGenerate, state: FSMContext, bot: Bot,
                           user: User, container: Container, slow_work: SlowWork | None = None) -> None:
    latest = await container.future_story.latest(user.id)
    latest_id = latest.id if latest else None
    if callback_data.after != story_token(latest_id):
        await callback.answer(_("A newer story is already written — it's in the chat above."))
        return
    await callback.answer()
    await state.clear()
    chat_id = callback.from_user.id
    async def tail() -> None:
        async with ai_wait(bot, chat_id, _("⏳ Gathering your answers…"),
                           retry=retry_generate_keyboard(latest_id)) as progress:
            await progress.stage(_("✍️ Writing your life in three and in five years…"))
            result = await container.future_story.generate(user)
        if progress.failed:
            return
        await progress.done(_("✅ Your story is ready."))
        await deliver_story(bot, chat_id, result.story, user, container)

    await ai_tail(slow_work, container.settings, bot, chat_id, "story", tail)


async def show_story(callback: CallbackQuery, bot: Bot, user: User, container: Container) -> None:
    await callback.answer()
    story = await container.future_story.latest(user.id)
    if story is None:
        await bot.send_message(callback.from_user.id, _("There is no story yet. Open /story to write one."))
        return
    await deliver_story(bot, callback.from_user.id, story, user, container)


async def _current_story(callback: CallbackQuery, token: str, user: User,
                         container: Container) -> FutureStory | None:
    """The latest story if the button belongs to it; otherwise the button is answered as outdated."""
    story = await container.future_story.latest(user.id)
    if story is None or story_token(story.id) != token:
        await callback.answer(outdated_text())
        return None
    return story


# ---- rewriting a horizon ---------------------------------------------------------------------------------------

async def edit_pressed(callback: CallbackQuery, callback_data: StoryAction, state: FSMContext, bot: Bot,
                       user: User, container: Container) -> None:
    story = await _current_story(callback, callback_data.story, user, container)
    if story is None or await double_tap(callback, container.cache):
        return
    await callback.answer()
    dialog = StoryEditDialog(horizon="3y" if callback_data.action == "edit3y" else "5y", story=story_token(story.id))
    await dialog.save(state, StoryForm.edit)
    await bot.send_message(callback.from_user.id, render.edit_prompt(dialog.horizon))


async def edit_text(message: Message, dialog: StoryEditDialog, state: FSMContext, bot: Bot, user: User,
                    container: Container) -> None:
    await state.clear()
    story = await container.future_story.latest(user.id)
    if story is None or story_token(story.id) != dialog.story:
        await message.answer(_("Your story changed in the meantime, so I kept this text out of it. Open /story "
                               "and try again."))
        return
    story = await container.future_story.update_horizon(user, dialog.horizon, message.text, [])
    await message.answer(_("✅ Saved. Here is the story as it reads now:"))
    await send_long(bot, message.chat.id, render.horizon_text(story, dialog.horizon, await _areas_by_id(container)),
                    reply_markup=story_keyboard(story.id))


@reasks(StoryForm.edit)
async def ask_edit(asked: OpenQuestion) -> Screen | None:
    dialog = asked.dialog(StoryEditDialog)
    return None if dialog is None else Screen(render.edit_prompt(dialog.horizon))


# ---- pictures --------------------------------------------------------------------------------------------------

async def pictures_pressed(callback: CallbackQuery, callback_data: StoryAction, bot: Bot, user: User,
                           container: Container) -> None:
    story = await _current_story(callback, callback_data.story, user, container)
    if story is None:
        return
    await callback.answer()
    scenes = render.scenes(story)
    if not scenes:
        await bot.send_message(callback.from_user.id, _("This story has no scenes to draw. Try writing it again."))
        return
    assets = await container.visuals.gallery(user.id, story.id)
    await bot.send_message(callback.from_user.id, render.pictures_intro(), reply_markup=pictures_keyboard(
        story.id, scenes, len(assets), {asset.image_key for asset in assets}))


async def picture_pressed(callback: CallbackQuery, callback_data: StoryPicture, bot: Bot, user: User,
                          container: Container, slow_work: SlowWork | None = None) -> None:
    story = await _current_story(callback, callback_data.story, user, container)
    if story is None:
        return
    if len(await container.visuals.gallery(user.id, story.id)) != callback_data.made:
        # Another picture was made since this list was shown: most likely a second tap on the same scene.
        await callback.answer(_("That picture is already on its way or done — see the chat above."))
        return
    await callback.answer(_("🎨 Drawing…"))
    chat_id = callback.from_user.id
    # No progress message: the button's "Drawing…" and the upload action say it; a failure is told with a retry.
    async def tail() -> None:
        async with ai_wait(bot, chat_id, retry=retry_picture_keyboard(story.id, callback_data.made, callback_data.key),
                           action=ChatAction.UPLOAD_PHOTO) as progress:
            result = await container.visuals.generate_story_image(user, story.id, callback_data.key)
            picture = await container.visuals.read_file(user.id, result.asset.id)
        if progress.failed:
            return
        title = dict(render.scenes(story)).get(callback_data.key, callback_data.key)
        caption = render.picture_caption(title, offline=container.ai.is_offline)
        await send_photo(bot, chat_id, BufferedInputFile(picture, "vision-board.png"), caption)
        await _refresh_picture_list(callback, story, user, container)

    await ai_tail(slow_work, container.settings, bot, chat_id, "story_picture", tail)


async def _refresh_picture_list(callback: CallbackQuery, story: FutureStory, user: User,
                                container: Container) -> None:
    """The scene list gets the new count and a tick, so its buttons keep working for the other scenes."""
    if not isinstance(callback.message, Message) or callback.message.text is None:
        return
    assets = await container.visuals.gallery(user.id, story.id)
    # The list is gone or unchanged; the next press is answered as outdated at worst.
    with contextlib.suppress(TelegramBadRequest):
        await callback.message.edit_reply_markup(reply_markup=pictures_keyboard(
            story.id, render.scenes(story), len(assets), {asset.image_key for asset in assets}))


async def gallery_pressed(callback: CallbackQuery, callback_data: StoryAction, bot: Bot, user: User,
                          container: Container) -> None:
    story = await _current_story(callback, callback_data.story, user, container)
    if story is None:
        return
    await callback.answer()
    chat_id = callback.from_user.id
    titles = dict(render.scenes(story))
    pictures: list[tuple[bytes, str]] = []
    for asset in await container.visuals.gallery(user.id, story.id):
        try:
            data = await container.visuals.read_file(user.id, asset.id)
        except NotFound:
            log.warning("picture %s of user %s has no file", asset.id, user.id)
            continue
        title = escape(titles.get(asset.image_key, asset.image_key))
        pictures.append((data, split_text(f"🖼 {title}", CAPTION_LIMIT)[0]))
    if not pictures:
        await bot.send_message(chat_id, _("No pictures yet — press “🖼 Make pictures” under your story."))
        return
    async with ChatActionSender.upload_photo(bot=bot, chat_id=chat_id):
        for start in range(0, len(pictures), MEDIA_GROUP_MAX):
            group = pictures[start:start + MEDIA_GROUP_MAX]
            if len(group) == 1:  # a media group needs at least two items
                await send_photo(bot, chat_id, BufferedInputFile(group[0][0], "vision-board.png"), group[0][1])
                continue
            await bot.send_media_group(chat_id, [
                InputMediaPhoto(media=BufferedInputFile(data, f"vision-board-{start + index}.png"), caption=caption)
                for index, (data, caption) in enumerate(group)])


def create_router() -> Router:
    router = Router(name="story")
    router.message.register(story_command, Command("story"))
    router.callback_query.register(story_pressed, MenuAction.filter(F.action == "story"))
    router.callback_query.register(start_interview, StoryMenu.filter(F.action == "interview"))
    router.callback_query.register(show_story, StoryMenu.filter(F.action == "show"))
    router.callback_query.register(generate_pressed, StoryGenerate.filter())
    in_interview = InDialog(InterviewDialog)
    router.callback_query.register(interview_button, InState(StoryForm.interview), StoryStep.filter(), in_interview)
    router.callback_query.register(edit_pressed, StoryAction.filter(F.action.in_({"edit3y", "edit5y"})))
    router.callback_query.register(pictures_pressed, StoryAction.filter(F.action == "pictures"))
    router.callback_query.register(gallery_pressed, StoryAction.filter(F.action == "gallery"))
    router.callback_query.register(picture_pressed, StoryPicture.filter())
    router.message.register(interview_answer, InState(StoryForm.interview), OWN_TEXT, in_interview)
    router.message.register(edit_text, InState(StoryForm.edit), OWN_TEXT, InDialog(StoryEditDialog))
    return router
