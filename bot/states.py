"""Dialog states, and the typed data of each dialog (see bot.utils.dialog: `nonce` and `step` come with it)."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from aiogram.fsm.state import State, StatesGroup
from pydantic import BaseModel, Field

from bot.utils.dialog import DialogData
from core.prompts.goals import ProposedGoal
from core.prompts.steps import ProposedStep
from core.services.calendar.planning import Interval


class ProfileForm(StatesGroup):
    """One question about the user; `mode` in the data says whether onboarding goes on or settings come back."""

    language = State()
    time_zone = State()
    time_zone_confirm = State()
    morning_time = State()
    evening_time = State()
    date_of_birth = State()


class ProfileDialog(DialogData):
    """The question being asked is the FSM state; `pending_time_zone` waits for the person to confirm it."""

    states = (ProfileForm.language, ProfileForm.time_zone, ProfileForm.time_zone_confirm, ProfileForm.morning_time,
              ProfileForm.evening_time, ProfileForm.date_of_birth)

    mode: Literal["onboarding", "settings"] = "settings"
    pending_time_zone: str | None = None


class WheelForm(StatesGroup):
    scoring = State()
    note = State()


class WheelArea(BaseModel):
    """An area as it was when the wheel started, so a run is not upset by areas changing meanwhile."""

    id: str
    emoji: str
    ru: str
    en: str
    description_ru: str = ""
    description_en: str = ""


class WheelDialog(DialogData):
    """Scoring the areas one by one: `step` is the area being scored; `last` holds the previous wheel's scores."""

    states = (WheelForm.scoring, WheelForm.note)

    areas: list[WheelArea]
    scores: dict[str, int] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    last: dict[str, int] = Field(default_factory=dict)

    @property
    def area(self) -> WheelArea:
        return self.areas[self.step]

    @property
    def finished(self) -> bool:
        return self.step >= len(self.areas)


class GoalsForm(StatesGroup):
    """Proposed goals reviewed one by one, the accepted ones saved, then an AI plan shown before it is saved."""

    reviewing = State()
    editing = State()
    saved = State()
    plan = State()


class GoalReviewDialog(DialogData):
    """Proposed goals, one card at a time: `step` is the goal on the card; `areas` titles the areas by id."""

    states = (GoalsForm.reviewing, GoalsForm.editing)

    goals: list[ProposedGoal]
    accepted: list[ProposedGoal] = Field(default_factory=list)
    areas: dict[str, str] = Field(default_factory=dict)

    @property
    def goal(self) -> ProposedGoal:
        return self.goals[self.step]

    @property
    def finished(self) -> bool:
        return self.step >= len(self.goals)


class SavedGoalsDialog(DialogData):
    """Goals just saved, waiting for "make a plan" or "not now"."""

    states = (GoalsForm.saved,)

    goal_ids: list[uuid.UUID]


class PlanDraftDialog(DialogData):
    """An AI plan shown before it is saved."""

    states = (GoalsForm.plan,)

    steps: list[ProposedStep]


class MorningForm(StatesGroup):
    intention = State()


class MorningDialog(DialogData):
    """The morning ritual of the local `day`: the energy is chosen, the intention is asked."""

    states = (MorningForm.intention,)

    day: date
    energy: int


class EveningForm(StatesGroup):
    reflection = State()


class EveningDialog(DialogData):
    """The evening ritual of the local `day`: the mood is chosen, the reflection is asked."""

    states = (EveningForm.reflection,)

    day: date
    mood: int


class ReviewForm(StatesGroup):
    reflection = State()
    planning = State()


class ReviewDialog(DialogData):
    """The weekly review: the `reflection` is asked (and kept until the AI has read it), then next week's `steps`
    are offered and some `chosen` (their positions in the list)."""

    states = (ReviewForm.reflection, ReviewForm.planning)

    reflection: str = ""

    steps: list[uuid.UUID] = Field(default_factory=list)
    titles: list[str] = Field(default_factory=list)
    chosen: list[int] = Field(default_factory=list)


class ProgressForm(StatesGroup):
    display_name = State()


class DisplayNameDialog(DialogData):
    """Joining the leaderboard: the name to show is asked; a button keeps the name given before."""

    states = (ProgressForm.display_name,)


class WantsForm(StatesGroup):
    stream = State()
    future_me = State()
    reverse = State()


class WantsDialog(DialogData):
    """One of the wants exercises. `ack` is the last acknowledgement, whose buttons move on to the next one;
    `step` is the reverse question being asked."""

    states = (WantsForm.stream, WantsForm.future_me, WantsForm.reverse)

    ack: int | None = None


class StoryForm(StatesGroup):
    interview = State()
    edit = State()


class InterviewArea(BaseModel):
    """An area's question as it was when the interview started."""

    id: str
    title: str
    emoji: str
    question: str


class InterviewDialog(DialogData):
    """The future-story interview: `step` is the area being asked about."""

    states = (StoryForm.interview,)

    areas: list[InterviewArea]

    @property
    def area(self) -> InterviewArea:
        return self.areas[self.step]


class StoryEditDialog(DialogData):
    """Rewriting one `horizon` ("3y" or "5y") of the story whose token is `story`."""

    states = (StoryForm.edit,)

    horizon: Literal["3y", "5y"]
    story: str


class CalendarForm(StatesGroup):
    plan = State()


class PlanBlock(BaseModel):
    """A step's block in the week plan; a skipped one is not saved."""

    step: uuid.UUID
    title: str
    start: datetime
    end: datetime
    skip: bool = False
    # Why the placer (or the AI) put it there; dropped once the person moves the block.
    reason: str = ""

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


class UnplacedStep(BaseModel):
    title: str
    reason: str


class CalendarEventNote(BaseModel):
    title: str
    start: datetime
    end: datetime


class WeekPlanDialog(DialogData):
    """The week plan being reviewed before it is saved: its `items`, how many blocks were `left_out`, the free
    `slots` of the preview with the planner's `buffer`, daily `cap` and per-day `load` (what the calendar already
    holds), and the `alternatives` offered for the block being moved."""

    states = (CalendarForm.plan,)

    week_start: date
    items: list[PlanBlock]
    left_out: int = 0
    slots: list[tuple[datetime, datetime]]
    buffer: int
    cap: int
    # Plans begun before the load was kept count no earlier blocks, as they did then.
    load: dict[date, int] = Field(default_factory=dict)
    unplaced: list[UnplacedStep] = Field(default_factory=list)
    already: list[CalendarEventNote] = Field(default_factory=list)
    alternatives: list[datetime] = Field(default_factory=list)
    # The plan in words: at most two summary lines and where the words came from ("ai", "offline", "placer").
    summary: list[str] = Field(default_factory=list)
    wording: str = ""
    wording_notice: str = ""
