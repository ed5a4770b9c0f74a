"""The future story as chat messages: one section per horizon, a paragraph per life area."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

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
