"""/wants: the checklist, the exercises' questions and the analysis, as HTML paragraphs the splitter can cut
between."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.keyboards.wants import reverse_keyboard
from bot.render import Screen, answer_preview, format_number
from bot.states import WantsDialog
from core.db.models import Area, WantsAnalysis
from core.services.wants import WantsProgress


def clock_text(seconds: int) -> str:
    minutes, seconds = divmod(max(0, seconds), 60)
    return f"{minutes}:{seconds:02d}"


def _mark(done: bool, started: bool = False) -> str:
    return "✅" if done else ("⏳" if started else "⬜")


def _stream_line(progress: WantsProgress) -> str:
    if progress.stream_completed:
        detail = ngettext("done, {chars} character", "done, {chars} characters", progress.stream_chars).format(
            chars=format_number(progress.stream_chars))
    elif progress.stream_remaining_seconds is not None:
        detail = _("{time} left").format(time=clock_text(progress.stream_remaining_seconds))
    else:
        detail = _("10 minutes of free writing")
    return f"{_mark(progress.stream_completed, progress.stream_started)} " + \
        _("1. The “I want” stream — {detail}").format(detail=detail)


def _future_me_line(progress: WantsProgress) -> str:
    if progress.future_me_completed:
        detail = ngettext("done, {chars} character", "done, {chars} characters", progress.future_me_chars).format(
            chars=format_number(progress.future_me_chars))
    elif progress.future_me_chars:
        detail = ngettext("{chars} character so far", "{chars} characters so far", progress.future_me_chars).format(
            chars=format_number(progress.future_me_chars))
    else:
        detail = _("your life as you see it at 40")
    return f"{_mark(progress.future_me_completed, progress.future_me_chars > 0)} " + \
        _("2. “I am 40” — {detail}").format(detail=detail)


def _reverse_line(progress: WantsProgress) -> str:
    answered = sum((progress.reverse_envy_filled, progress.reverse_regrets_filled,
                    progress.reverse_what_to_do_5y_filled))
    return f"{_mark(progress.reverse_completed, answered > 0)} " + \
        ngettext("3. Reverse questions — {answered} of 3 answered", "3. Reverse questions — {answered} of 3 answered",
                 answered).format(answered=format_number(answered))


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


def wants_saved(count: int) -> str:
    return ngettext("{count} want saved.", "{count} wants saved.", count).format(count=format_number(count))


def future_me_saved(chars: int) -> str:
    return ngettext("✓ Saved ({chars} character). Write more, or press “Finish”.",
                    "✓ Saved ({chars} characters). Write more, or press “Finish”.", chars).format(
        chars=format_number(chars))


def stream_intro(remaining_seconds: int) -> str:
    return "\n\n".join([
        _("✍️ <b>The “I want” stream</b>"),
        _("For ten minutes, write down everything you want — big and small, serious and silly. One want per "
          "message or many at once. Don't judge and don't edit, just keep writing."),
        _("Write “stop” when you are done; when the time runs out I'll close the stream myself. /time shows "
          "the time left."),
        _("⏱ Time left: {time}").format(time=clock_text(remaining_seconds)),
    ])


def future_me_intro(chars_so_far: int) -> str:
    parts = [
        _("🧓 <b>“I am 40”</b>"),
        _("Imagine you are 40 (if you are older, imagine yourself ten years from now). Describe your life then: "
          "where you live, what you do, who is around you, how an ordinary day goes, how you feel. Write in the "
          "present tense, in as many messages as you like."),
        _("When you have said everything, press “Finish”."),
    ]
    if chars_so_far:
        parts.append(ngettext("You have written {chars} character so far — carry on.",
                              "You have written {chars} characters so far — carry on.", chars_so_far).format(
            chars=format_number(chars_so_far)))
    return "\n\n".join(parts)


def reverse_question(dialog: WantsDialog, answer: str | None) -> Screen:
    """The open reverse question, with the answer already given to it."""
    questions = (
        _("Whose life, achievements or things do you envy — even a little? Envy often points at a want you "
          "haven't admitted yet."),
        _("What do you regret not having done? What would you be sorry never to try?"),
        _("If you knew you had exactly five years, what would you do with them?"),
    )
    lines = [_("🔄 <b>Reverse questions</b> · {step} of 3").format(step=dialog.step + 1), "",
             questions[dialog.step]]
    if answer:
        lines += ["", _("📝 Your answer: {answer}").format(answer=f"<i>{answer_preview(answer)}</i>"),
                  _("Send a new answer to replace it.")]
    return Screen("\n".join(lines), reverse_keyboard(dialog.nonce, dialog.step, answered=bool(answer)))
