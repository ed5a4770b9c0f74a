"""Domain rules have one owner, in core: the step statuses are defined once beside the Step model, and the bot and
the scheduler neither define status sets of their own nor compare a status with a hand-typed string (they use
`StepStatus`, `Step.is_open`, `Step.is_done`). Read from the source, so a copy fails here before it drifts."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from api.schemas.steps import StepStatus as ApiStepStatus
from core.db.models.goals import OPEN_STEP_STATUSES, STEP_STATUSES, StepStatus

ROOT = Path(__file__).resolve().parents[2]
STATUS_VALUES = frozenset(status.value for status in StepStatus)
# Where the statuses are defined: the one place allowed to spell them out.
OWNER = ROOT / "core" / "db" / "models" / "goals.py"


def python_files(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py")
                  if "migrations" not in path.parts)


def _literals(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return {item.value for item in node.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)}
    return set()


def status_sets(tree: ast.AST) -> Iterator[str]:
    """Collections spelling out two or more step statuses: a status set of their own."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(_literals(node) & STATUS_VALUES) >= 2:
            yield f"line {node.lineno}: {ast.unparse(node)}"


def _is_step_status(node: ast.AST) -> bool:
    """`<something>.status`, unless the something is a goal or a weekly review (their statuses are their own)."""
    if not isinstance(node, ast.Attribute) or node.attr != "status":
        return False
    owner = ast.unparse(node.value).lower()
    return "goal" not in owner and "review" not in owner


def literal_status_comparisons(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if any(_is_step_status(o) for o in operands) and any(_literals(o) & STATUS_VALUES for o in operands):
            yield f"line {node.lineno}: {ast.unparse(node)}"


def findings(check, *packages: str) -> dict[str, list[str]]:
    found = {}
    for path in python_files(*packages):
        if path == OWNER:
            continue
        hits = list(check(ast.parse(path.read_text(encoding="utf-8"))))
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    return found


def test_the_step_statuses_and_the_open_set_are_defined_once_beside_the_model() -> None:
    assert findings(status_sets, "core", "bot", "scheduler") == {}
    assert list(status_sets(ast.parse(OWNER.read_text(encoding="utf-8")))) == []  # built from the enum itself
    assert set(OPEN_STEP_STATUSES) < set(STEP_STATUSES)


def test_the_api_offers_exactly_the_models_statuses() -> None:
    """The API spells its statuses out for its published schema; they are the model's, no more, no fewer."""
    assert set(get_args(ApiStepStatus)) == STATUS_VALUES


def test_the_bot_and_the_scheduler_compare_statuses_only_through_the_model() -> None:
    assert findings(literal_status_comparisons, "bot", "scheduler") == {}


@pytest.mark.parametrize("source, found", [
    ("OPEN = ('planned', 'in_progress')", True),
    ("if step.status in {'done', 'skipped'}: pass", True),
    ("if step.status == 'done': pass", True),
    ("if s.status not in ('planned',): pass", True),
    ("if goal.status == 'done': pass", False),
    ("if step.status == StepStatus.DONE: pass", False),
    ("ICONS = {'planned': '▫️', 'done': '✅'}", False),
])
def test_the_checks_recognise_a_copied_rule(source: str, found: bool) -> None:
    tree = ast.parse(source)
    assert bool(list(status_sets(tree)) or list(literal_status_comparisons(tree))) is found
