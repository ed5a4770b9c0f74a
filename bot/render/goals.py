"""/goals and /plan: the goals list, a proposed goal's card, what was saved, a draft plan and a goal's cascade."""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.lists import format_list

from bot.keyboards.goals import (
    drop_question_keyboard,
    goals_list_keyboard,
    make_plan_keyboard,
    propose_keyboard,
    review_keyboard,
    save_plan_keyboard,
)
from bot.render import Screen, format_number
from bot.rituals.texts import GOAL_ICONS, STEP_ICONS, gamification_lines, horizon_title, level_title, short_day
from bot.states import GoalReviewDialog, PlanDraftDialog, SavedGoalsDialog
from core.db.models import Goal
from core.db.models.goals import STEP_LEVELS
from core.prompts.steps import ProposedStep
from core.services.gamification import GamificationEvent
from core.services.steps import StepNode

ACTIVE_SHOWN_MAX = 15
REACHED_SHOWN_MAX = 10
CASCADE_LINES_MAX = 120


def goals_screen(goals: list[Goal]) -> Screen:
    """The list with a row of buttons per active goal; an invitation to propose goals when there are none."""
    if not goals:
        return Screen("\n\n".join([
            _("🎯 <b>Goals</b>"),
            _("You have no goals yet. I can propose a few from your life wheel, your wants and your future story — "
              "you decide which to keep."),
        ]), propose_keyboard())
    active = [goal for goal in goals if goal.status == "active"][:ACTIVE_SHOWN_MAX]
    reached = [goal for goal in goals if goal.status == "done"]
    dropped = sum(1 for goal in goals if goal.status == "dropped")
    lines = [_("🎯 <b>Your goals</b>"), ""]
    for number, goal in enumerate(active, start=1):
        lines.append(f"{number}. {GOAL_ICONS['active']} {escape(goal.title)} · {horizon_title(goal.horizon)}")
    if not active:
        lines.append(_("No active goals right now."))
    if reached:
        lines += ["", _("<b>Reached</b>")]
        lines += [f"{GOAL_ICONS['done']} {escape(goal.title)}" for goal in reached[-REACHED_SHOWN_MAX:]]
    if dropped:
        lines += ["", ngettext("✖️ {count} goal dropped", "✖️ {count} goals dropped", dropped).format(
            count=format_number(dropped))]
    if active:
        lines += ["", _("Buttons: 🗺 the plan · ✅ reached · ✖️ drop — by the goal's number.")]
    return Screen("\n".join(lines), goals_list_keyboard(active))


def proposal_intro(count: int, notice: str | None) -> str:
    intro = ngettext("✨ I have {count} goal to suggest. Let's look at it: accept, edit or drop it.",
                     "✨ I have {count} goals to suggest. Let's go through them one by one: accept, edit or drop each.",
                     count).format(count=format_number(count))
    return f"{intro}\n\n<i>{escape(notice)}</i>" if notice else intro


def title_prompt(limit: int) -> str:
    return ngettext("✏️ Send the goal in your own words (up to {limit} character) — it replaces the title.",
                    "✏️ Send the goal in your own words (up to {limit} characters) — it replaces the title.",
                    limit).format(limit=format_number(limit))


def card(dialog: GoalReviewDialog) -> Screen:
    """The open question of the review: the proposed goal on the card, to accept, edit or drop."""
    goal = dialog.goal
    lines = [_("🎯 <b>Goal {number} of {total}</b>").format(number=dialog.step + 1, total=len(dialog.goals)), "",
             f"<b>{escape(goal.title)}</b>"]
    if goal.description:
        lines.append(escape(goal.description))
    lines.append("")
    area = dialog.areas.get(goal.area_id or "")
    meta = _("⏳ Horizon: {horizon}").format(horizon=horizon_title(goal.horizon))
    lines.append(f"🗂 {escape(area)} · {meta}" if area else meta)
    if goal.metric:
        lines.append(_("📏 Measure: {metric}").format(metric=escape(goal.metric)))
    if goal.why:
        lines.append(_("💡 Why: {why}").format(why=escape(goal.why)))
    return Screen("\n".join(lines), review_keyboard(dialog.nonce, dialog.step))


def make_plan_question(goals: list[Goal], dialog: SavedGoalsDialog) -> Screen:
    """The open question after goals were saved: a plan for them, or not now."""
    lines = [f"{GOAL_ICONS['active']} {escape(goal.title)}" for goal in goals]
    lines += ["", ngettext("Shall I draft a plan for it — year, quarter, month, week and day?",
                           "Shall I draft a plan for them — year, quarter, month, week and day?", len(goals))]
    return Screen("\n".join(lines).strip(), make_plan_keyboard(dialog.nonce))


def draft_question(dialog: PlanDraftDialog, goal_titles: dict[str, str], locale: str) -> Screen:
    """The open question of a draft plan: the draft again, to save or discard."""
    text = "\n\n".join([plan_text(dialog.steps, goal_titles, locale, None),
                         _("✅ The draft is ready. Save it, or discard it and come back later.")])
    return Screen(text, save_plan_keyboard(dialog.nonce))


def no_steps_text(titles: list[str], locale: str) -> str:
    """No steps came back: the goals are named, so it is clear which plan is missing."""
    goals = format_list([f"«{escape(title)}»" for title in titles if title] or ["—"], locale=locale)
    return ngettext("I couldn't draft steps for the goal {goals} this time. Shall I try again?",
                    "I couldn't draft steps for the goals {goals} this time. Shall I try again?",
                    len(titles)).format(goals=goals)


def drop_question(goal: Goal) -> Screen:
    return Screen(_("✖️ Drop the goal «{title}»? It leaves your active goals.").format(title=escape(goal.title)),
                  drop_question_keyboard(goal))


def saved_goals_text(goals: list[Goal], event: GamificationEvent | None, locale: str) -> str:
    lines = [ngettext("💾 <b>Saved {count} goal:</b>", "💾 <b>Saved {count} goals:</b>", len(goals)).format(
        count=format_number(len(goals)))]
    lines += [f"{GOAL_ICONS['active']} {escape(goal.title)}" for goal in goals]
    lines += ["", *gamification_lines(event, locale)]
    lines += ["", ngettext("Shall I draft a plan for it — year, quarter, month, week and day?",
                           "Shall I draft a plan for them — year, quarter, month, week and day?", len(goals))]
    return "\n".join(lines)


def plan_text(steps: list[ProposedStep], goal_titles: dict[str, str], locale: str, notice: str | None) -> str:
    """A draft plan: per goal, its steps level by level, with their days."""
    blocks = [_("🗺 <b>The draft plan</b>")]
    for goal_id in dict.fromkeys(step.goal_id for step in steps):
        lines = [f"🎯 <b>{escape(goal_titles.get(goal_id, ''))}</b>"]
        for level in STEP_LEVELS:
            on_level = [step for step in steps if step.goal_id == goal_id and step.level == level]
            if not on_level:
                continue
            lines.append(f"<i>{level_title(level)}</i>")
            for step in on_level:
                when = f" · {short_day(step.planned_date, locale)}" if step.planned_date else ""
                lines.append(f"• {escape(step.title)}{when}")
        blocks.append("\n".join(lines))
    if notice:
        blocks.append(f"<i>{escape(notice)}</i>")
    return "\n\n".join(blocks)


def plan_saved_text(count: int, event: GamificationEvent | None, locale: str) -> str:
    lines = [ngettext("💾 <b>The plan is saved: {count} step.</b> Today's steps are in /today, the whole cascade "
                      "of a goal in /plan.",
                      "💾 <b>The plan is saved: {count} steps.</b> Today's steps are in /today, the whole cascade "
                      "of a goal in /plan.", count).format(count=format_number(count)),
             "", *gamification_lines(event, locale)]
    return "\n".join(lines).strip()


def goal_heading(goal: Goal) -> str:
    return f"{GOAL_ICONS.get(goal.status, '🎯')} <b>{escape(goal.title)}</b> · {horizon_title(goal.horizon)}"


def cascade_text(goal: Goal, roots: list[StepNode], locale: str) -> str:
    """A goal's steps as an indented tree, cut after CASCADE_LINES_MAX lines."""
    lines = _cascade_lines(roots, locale)
    if len(lines) > CASCADE_LINES_MAX:
        more = len(lines) - CASCADE_LINES_MAX
        lines = [*lines[:CASCADE_LINES_MAX],
                 ngettext("…and {count} more step", "…and {count} more steps", more).format(count=format_number(more))]
    return "\n\n".join([goal_heading(goal), "\n".join(lines)])


def _cascade_lines(nodes: list[StepNode], locale: str, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        step = node.step
        when = f" · {short_day(step.planned_date, locale)}" if step.planned_date else ""
        indent = "\u2003" * depth  # an em space: Telegram keeps it, unlike leading ordinary spaces
        lines.append(f"{indent}{STEP_ICONS.get(step.status, '▫️')} <i>{level_title(step.level)}</i>: "
                     f"{escape(step.title)}{when}")
        lines += _cascade_lines(node.children, locale, depth + 1)
    return lines
