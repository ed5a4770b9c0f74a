"""The step's status rules, defined once on the model: what "open" means and how each transition keeps
`updated_at` and `completed_at` right."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.db.models import Step
from core.db.models.goals import OPEN_STEP_STATUSES, STEP_STATUSES, StepStatus

EARLIER = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)


def step(status: str, *, completed_at: datetime | None = None) -> Step:
    return Step(title="Read", level="day", status=status, planned_date=date(2026, 6, 1), updated_at=EARLIER,
                completed_at=completed_at)


def test_open_steps_are_the_planned_and_the_started_ones() -> None:
    assert set(OPEN_STEP_STATUSES) == {StepStatus.PLANNED, StepStatus.IN_PROGRESS}
    assert [s for s in STEP_STATUSES if step(s).is_open] == ["planned", "in_progress"]
    assert [s for s in STEP_STATUSES if step(s).is_done] == ["done"]


def test_completing_an_open_step_stamps_it_once() -> None:
    item = step("in_progress")

    became_done = item.complete(NOW)

    assert became_done is True
    assert (item.status, item.completed_at, item.updated_at) == ("done", NOW, NOW)


def test_completing_a_done_step_again_keeps_the_first_completion() -> None:
    item = step("done", completed_at=EARLIER)

    assert item.complete(NOW) is False
    assert item.completed_at == EARLIER and item.updated_at == NOW


@pytest.mark.parametrize("target", ["planned", "in_progress", "skipped"])
def test_leaving_done_clears_the_completion(target: str) -> None:
    item = step("done", completed_at=EARLIER)

    assert item.set_status(target, NOW) is False
    assert (item.status, item.completed_at, item.updated_at) == (target, None, NOW)


def test_skipping_keeps_the_day_and_stamps_the_change() -> None:
    item = step("planned")

    item.skip(NOW)

    assert (item.status, item.planned_date, item.updated_at, item.completed_at) == (
        "skipped", date(2026, 6, 1), NOW, None)


def test_replanning_a_skipped_step_opens_it_on_the_new_day() -> None:
    item = step("skipped")

    item.replan(date(2026, 6, 5), NOW)

    assert (item.status, item.planned_date, item.updated_at) == ("planned", date(2026, 6, 5), NOW)
    assert item.is_open


def test_following_a_moved_block_keeps_the_status() -> None:
    item = step("in_progress")

    item.move_to(date(2026, 6, 3), NOW)

    assert (item.status, item.planned_date, item.updated_at) == ("in_progress", date(2026, 6, 3), NOW)


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError):
        step("planned").set_status("finished", NOW)
