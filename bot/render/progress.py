"""/progress: level, XP, streak and achievements; the leaderboard."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.keyboards.rituals import keep_name_keyboard, progress_keyboard
from bot.render import Screen, format_number
from bot.render.quota import allowance_line
from bot.rituals.texts import streak_line
from bot.states import DisplayNameDialog
from core.db.models import User
from core.services.gamification import DISPLAY_NAME_MAX, AchievementStatus, GamificationProfile, LeaderboardEntry
from core.services.quotas import Allowance


def progress_screen(user: User, profile: GamificationProfile, achievements: list[AchievementStatus],
                    allowance: Allowance) -> Screen:
    obtained = [a for a in achievements if a.is_obtained]
    lines = [
        _("🏆 <b>Your progress</b>"),
        "",
        _("⭐ Level {level} · {xp} XP").format(level=profile.level, xp=format_number(profile.xp)),
        _("⬆️ {xp} XP to level {level}").format(xp=format_number(profile.xp_to_next_level), level=profile.level + 1),
        streak_line(profile.streak_days),
        ngettext("🏔 Best run: {days} day", "🏔 Best run: {days} days", profile.best_streak).format(
            days=format_number(profile.best_streak)),
        allowance_line(allowance, user.locale),
        "",
        _("<b>Achievements</b> · {obtained} of {total}").format(obtained=len(obtained), total=len(achievements)),
    ]
    for achievement in achievements:
        mark = "🏅" if achievement.is_obtained else "▫️"
        lines.append(f"{mark} <b>{escape(achievement.title)}</b> — {escape(achievement.description)}")
    return Screen("\n".join(lines), progress_keyboard(user.leaderboard_opt_in))


def leaderboard_text(entries: list[LeaderboardEntry], user: User) -> str:
    lines = [_("🏅 <b>Leaderboard</b>"), ""]
    for entry in entries:
        name = f"<b>{escape(entry.display_name)}</b>" if entry.is_me else escape(entry.display_name)
        lines.append(_("{rank}. {name} — level {level}, {xp} XP").format(
            rank=entry.rank, name=name, level=entry.level, xp=format_number(entry.xp)))
    if not entries:
        lines.append(_("Nobody has joined yet — be the first!"))
    if not user.leaderboard_opt_in:
        lines += ["", _("You are not on the board. Join it from /progress — under a name you choose.")]
    return "\n".join(lines)


def display_name_question(user: User, dialog: DisplayNameDialog) -> Screen:
    text = ngettext("🙋 How shall I show you on the leaderboard? Send a name of up to {limit} character. Only "
                    "this name, your level and XP are visible to others.",
                    "🙋 How shall I show you on the leaderboard? Send a name of up to {limit} characters. Only "
                    "this name, your level and XP are visible to others.", DISPLAY_NAME_MAX).format(
        limit=format_number(DISPLAY_NAME_MAX))
    return Screen(text, keep_name_keyboard(dialog.nonce, user.display_name) if user.display_name else None)
