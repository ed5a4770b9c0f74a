"""Dialog states. The data of each dialog carries a `nonce` that its buttons repeat, so stale buttons are detected."""
from aiogram.fsm.state import State, StatesGroup


class ProfileForm(StatesGroup):
    """One question about the user; `mode` in the data says whether onboarding goes on or settings come back."""

    language = State()
    time_zone = State()
    time_zone_confirm = State()
    morning_time = State()
    evening_time = State()
    date_of_birth = State()


class WheelForm(StatesGroup):
    scoring = State()
    note = State()


class GoalsForm(StatesGroup):
    """Proposed goals reviewed one by one, the accepted ones saved, then an AI plan shown before it is saved."""

    reviewing = State()
    editing = State()
    saved = State()
    plan = State()


class MorningForm(StatesGroup):
    intention = State()


class EveningForm(StatesGroup):
    reflection = State()


class ReviewForm(StatesGroup):
    reflection = State()
    planning = State()


class ProgressForm(StatesGroup):
    display_name = State()


class WantsForm(StatesGroup):
    """The wants exercises. Data: `nonce`; `ack` (the last acknowledgement, whose buttons move on to the next one);
    `step` (the reverse question being asked)."""

    stream = State()
    future_me = State()
    reverse = State()


class StoryForm(StatesGroup):
    """The future-story interview (`step` over `areas`) and rewriting one `horizon` of the story `story`."""

    interview = State()
    edit = State()


class CalendarForm(StatesGroup):
    """The week plan being reviewed. Data: `nonce`, `week_start`, `items` (step, title, start, end, skip),
    `slots` (free time of the preview), `alternatives` (times offered for the block being moved), `unplaced`,
    `already`."""

    plan = State()
