"""Filters that run inline on the event loop.

aiogram calls any filter that is not a coroutine function or a `Filter` through `asyncio.to_thread`: a bare `State`,
a `StatesGroup` and an `F.…` magic filter each cost a thread hop, and a text at the menu was tried against dozens of
them before it reached the fallback. These checks are a few attribute reads, so they run inline:

- `Magic(F.text)` wraps a magic filter in an async `Filter`;
- `InState(*states)` is aiogram's `StateFilter` (already async), named for symmetry;
- `dialog_router(...)` gives a feature's dialog handlers their own router, filtered by the dialog's states once, so
  an update outside the dialog is turned away by one check instead of one per handler.

tests/bot/test_filters.py walks the dispatcher and fails on any filter that would hop threads.
"""
from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.state import State
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    """A magic filter (`F.text`, `~F.text.startswith("/")`) resolved on the event loop."""

    __slots__ = ("magic",)

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


InState = StateFilter

HAS_TEXT = Magic(F.text)
NO_TEXT = Magic(~F.text)
HAS_LOCATION = Magic(F.location)
# Text the person typed as an answer: a message starting with "/" is a command and is left to the command routers.
OWN_TEXT = Magic(F.text & ~F.text.startswith("/"))


def dialog_router(name: str, *states: State) -> Router:
    """A router whose messages and button presses reach its handlers only while the chat is in one of `states`."""
    router = Router(name=name)
    only_in_dialog = StateFilter(*states)
    router.message.filter(only_in_dialog)
    router.callback_query.filter(only_in_dialog)
    return router
