"""/story: the home screen, the interview's questions, the story as chat messages (one section per horizon, a
paragraph per life area) and its pictures."""
from __future__ import annotations

import uuid
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.keyboards.story import home_keyboard, interview_done_keyboard, question_keyboard
from bot.render import Screen, answer_preview, format_number
from bot.states import InterviewDialog
from core.clients.ai.base import offline_notice
from core.db.models import Area, FutureStory


def horizon_title(horizon: str) -> str:
    return _("🌱 <b>My life in three years</b>") if horizon == "3y" else _("🌳 <b>My life in five years</b>")


def horizon_text(story: FutureStory, horizon: str, areas: dict[str, Area]) -> str:
    """Paragraphs by area when the story has them; a story the user rewrote is their text, paragraph by paragraph."""
    by_area = story.by_area_3y if horizon == "3y" else story.by_area_5y
    full_text = story.full_text_3y if horizon == "3y" else story.full_text_5y
    sections = [horizon_title(horizon)]
    if by_area:
        for item in by_area:
            area = areas.get(item["area_id"])
            heading = f"{area.emoji} {item['title']}".strip() if area is not None else item["title"]
            sections.append(f"<b>{escape(heading)}</b>\n{escape(item['paragraph'])}")
    else:
        sections += [escape(part.strip()) for part in full_text.split("\n\n") if part.strip()]
    return "\n\n".join(sections)


def story_footer(story: FutureStory, locale: str) -> str:
    lines = [_("You can rewrite either horizon in your own words, or turn scenes of the story into pictures for "
               "your vision board.")]
    if story.generated_by == "offline":
        lines.append(f"<i>{escape(offline_notice(locale))}</i>")
    return "\n\n".join(lines)


def home(*, answered: int, total: int, latest: uuid.UUID | None) -> Screen:
    text = "\n\n".join([
        _("📖 <b>Future story</b>"),
        _("I'll ask one question about each area of your life: how it looks in three to five years if things go "
          "well. From your answers I'll write the story of your life in three and in five years, and we can turn "
          "its scenes into pictures."),
        ngettext("You've answered {answered} of {total} questions.", "You've answered {answered} of {total} questions.",
                 answered).format(answered=format_number(answered), total=format_number(total)),
    ])
    return Screen(text, home_keyboard(answered=answered, total=total, latest=latest))


def question(dialog: InterviewDialog, answer: str | None) -> Screen:
    """The open interview question, with the answer already given to it."""
    area = dialog.area
    lines = [
        _("📖 <b>Future story</b> · {step} of {total}").format(step=dialog.step + 1, total=len(dialog.areas)),
        "",
        f"<b>{escape(area.emoji)} {escape(area.title)}</b>",
        escape(area.question),
    ]
    if answer:
        lines += ["", _("📝 Your answer: {answer}").format(answer=f"<i>{answer_preview(answer)}</i>"),
                  _("Send a new answer to replace it.")]
    return Screen("\n".join(lines), question_keyboard(dialog.nonce, dialog.step, answered=bool(answer)))


def interview_done(*, answered: int, total: int, latest: uuid.UUID | None) -> Screen:
    text = ngettext("✅ The interview is done: {answered} of {total} questions answered.",
                    "✅ The interview is done: {answered} of {total} questions answered.", answered).format(
        answered=format_number(answered), total=format_number(total))
    if answered:
        text += "\n\n" + _("Shall I write your story?")
    else:
        text += "\n\n" + _("Answer at least one question, and I can write your story.")
    return Screen(text, interview_done_keyboard(answered=answered, latest=latest))


def edit_prompt(horizon: str) -> str:
    prompt = _("✏️ Send the new text of your three-year story in one message — it replaces the current one.") \
        if horizon == "3y" else \
        _("✏️ Send the new text of your five-year story in one message — it replaces the current one.")
    return prompt + "\n\n" + _("/cancel keeps the story as it is.")


def scenes(story: FutureStory) -> list[tuple[str, str]]:
    """The story's scenes that can become pictures: (image key, title)."""
    images = story.images if isinstance(story.images, dict) else {}
    return [(key, str(scene.get("title") or key)) for key, scene in images.items() if isinstance(scene, dict)]


def pictures_intro() -> str:
    return _("🖼 <b>Pictures for your vision board</b>\n\nPick a scene. Each picture uses one AI picture from your "
             "monthly limit.")


def picture_caption(title: str, *, offline: bool) -> str:
    caption = f"🖼 <b>{escape(title)}</b>"
    if offline:
        caption += "\n\n<i>" + _("⚙️ Offline picture card: no AI key is configured, so this is a card with the "
                                 "scene's title.") + "</i>"
    return caption
