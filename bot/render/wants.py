"""The /wants checklist and the analysis, as HTML paragraphs the splitter can cut between."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from core.db.models import Area, WantsAnalysis
from core.services.wants import WantsProgress


def clock_text(seconds: int) -> str:
    minutes, seconds = divmod(max(0, seconds), 60)
    return f"{minutes}:{seconds:02d}"


def _mark(done: bool, started: bool = False) -> str:
    return "✅" if done else ("⏳" if started else "⬜")


def _stream_line(progress: WantsProgress) -> str:
    if progress.stream_completed:
        detail = _("done, {chars} characters").format(chars=progress.stream_chars)
    elif progress.stream_remaining_seconds is not None:
        detail = _("{time} left").format(time=clock_text(progress.stream_remaining_seconds))
    else:
        detail = _("10 minutes of free writing")
    return f"{_mark(progress.stream_completed, progress.stream_started)} " + \
        _("1. The “I want” stream — {detail}").format(detail=detail)


def _future_me_line(progress: WantsProgress) -> str:
    if progress.future_me_completed:
        detail = _("done, {chars} characters").format(chars=progress.future_me_chars)
    elif progress.future_me_chars:
        detail = _("{chars} characters so far").format(chars=progress.future_me_chars)
    else:
        detail = _("your life as you see it at 40")
    return f"{_mark(progress.future_me_completed, progress.future_me_chars > 0)} " + \
        _("2. “I am 40” — {detail}").format(detail=detail)


def _reverse_line(progress: WantsProgress) -> str:
    answered = sum((progress.reverse_envy_filled, progress.reverse_regrets_filled,
                    progress.reverse_what_to_do_5y_filled))
    return f"{_mark(progress.reverse_completed, answered > 0)} " + \
        _("3. Reverse questions — {answered} of 3 answered").format(answered=answered)


def checklist_text(progress: WantsProgress, *, analyzed: bool) -> str:
    lines = [_("💭 <b>Wants</b>"), ""]
    if progress.raw_id is None and progress.has_completed_before:
        lines.append(_("✅ Your last round of exercises is complete."))
        lines.append(f"{_mark(analyzed)} " + _("4. Analysis"))
        lines += ["", _("You can read the analysis again or start a new round whenever your wants change.")]
        return "\n".join(lines)
    lines.append(_("Three short exercises put your wants into words; then I read them back to you."))
    lines += ["", _stream_line(progress), _future_me_line(progress), _reverse_line(progress),
              f"{_mark(False)} " + _("4. Analysis")]
    if progress.ready_to_complete:
        lines += ["", _("All three exercises are done — press “Analyze”.")]
    return "\n".join(lines)


def area_label(area: Area | None, area_id: str, locale: str) -> str:
    if area is None:
        return escape(area_id)
    return escape(f"{area.emoji} {area.title(locale)}".strip())


def analysis_text(analysis: WantsAnalysis, areas: dict[str, Area], locale: str) -> str:
    """Summary, themes, top wants by area, contradictions, focus and, for an offline draft, its label."""
    payload = analysis.payload
    sections = [_("🔎 <b>Your wants, read back</b>")]
    if payload.get("summary"):
        sections.append(escape(payload["summary"]))
    themes = [theme for theme in payload.get("themes") or [] if theme.get("title")]
    if themes:
        sections.append("\n".join([_("<b>Themes</b>"), *(
            f"• <b>{escape(theme['title'])}</b>" + (f" — {escape(theme['evidence'])}" if theme.get("evidence")
                                                    else "") for theme in themes)]))
    by_area = [item for item in payload.get("top_wants_by_area") or [] if item.get("wants")]
    if by_area:
        sections.append(_("<b>Top wants by area</b>"))
        for item in by_area:
            sections.append("\n".join([f"<b>{area_label(areas.get(item['area_id']), item['area_id'], locale)}</b>",
                                       *(f"• {escape(want)}" for want in item["wants"])]))
    contradictions = payload.get("contradictions") or []
    if contradictions:
        sections.append("\n".join([_("<b>Worth a second look</b>"), *(f"• {escape(text)}" for text in contradictions)]))
    focus = payload.get("suggested_focus") or []
    if focus:
        sections.append("\n".join([_("<b>Suggested focus</b>"), *(
            f"🎯 {area_label(areas.get(item['area_id']), item['area_id'], locale)} — {escape(item.get('reason', ''))}"
            for item in focus)]))
    if payload.get("notice"):
        sections.append(f"<i>{escape(payload['notice'])}</i>")
    return "\n\n".join(sections)
