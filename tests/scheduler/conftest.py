"""A real Bot API emulator served over HTTP, and an aiogram Bot pointed at it (the playground tests' fixtures)."""
from tests.playground.conftest import Playground, bot, make_bot, playground  # noqa: F401  (fixtures re-exported)
