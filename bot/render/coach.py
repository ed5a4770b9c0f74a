"""The coach's texts: its answer (escaped: the AI's words are never HTML), the offline notice, the quota refusal."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.keyboards.coach import answer_keyboard
from bot.keyboards.menu import main_menu
from bot.render import Screen, characters
from bot.render.quota import allowance_line
from core.services.coach import CoachAnswer
from core.services.quotas import Allowance


def answer_screen(answer: CoachAnswer) -> Screen:
    if answer.offline:
        return Screen("\n\n".join([
            _("🔌 <b>The coach is offline</b>: no AI is connected, so I can't talk things through with you yet. "
              "Here is advice from your own calendar and steps:"),
            escape(answer.content),
            _("Or pick what to do from the menu:"),
        ]), main_menu())
    return Screen(escape(answer.content), answer_keyboard(answer.actions))


def thinking_text() -> str:
    return _("💭 Thinking it over…")


def ask_hint() -> str:
    return _("💬 Ask me anything about your goals, your week or how you feel — write it after /ask, or simply send "
             "it as a message.")


def forgotten_text() -> str:
    return _("🆕 I've forgotten our conversation — we start afresh. Ask me anything: just write.")


def quota_refusal(allowance: Allowance, locale: str) -> Screen:
    return Screen("\n\n".join([
        _("I can't answer this one: this month's AI requests are used up."),
        allowance_line(allowance, locale),
        _("Until then, everything in the menu works as usual:"),
    ]), main_menu())


def question_too_long(length: int, limit: int) -> str:
    return _("That's {length} — please keep the question within {limit}.").format(length=characters(length),
                                                                                 limit=characters(limit))


def nothing_to_retry() -> str:
    return _("That question is answered already — just write your next one.")


def step_done(title: str) -> str:
    return _("✅ Done: {title}").format(title=escape(title))


def step_moved(title: str) -> str:
    return _("➡️ Moved to tomorrow: {title}").format(title=escape(title))


def still_answering() -> str:
    return _("⏳ I'm still answering your previous message — send this one again once that answer is here.")
