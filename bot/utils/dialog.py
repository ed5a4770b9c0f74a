"""Typed dialog state and the one check that a button belongs to the question the person is on.

Each dialog keeps its data as a `DialogData` model in the FSM storage, next to the FSM state. Three fields every
dialog has: `nonce` names one run of the dialog (its buttons repeat it, so buttons of an earlier run are stale),
`step` is the open question (a button that carries a step answers that question only, so a second tap on an answered
question is stale too) and `turn` counts the button presses the dialog took. Handlers get the model from the
`InDialog` filter, change it, and `save` it.

A press takes its turn atomically (`take_turn`: a per-chat lock in the shared cache held while its handler runs, and a
compare-and-set of the dialog's turn), so two updates of one double tap handled at the same moment — on two
replicas, or with no chat lock — move one step. While the update holds its chat's lock (the dispatcher's event
isolation), no other update of the chat runs anywhere, so the turn is checked against the record read for this
update and written with the handler's own save (or after the handler, if it saved nothing): no extra round trip.

Every FSM state declares how its open question is asked again (`reasks`): the fallback router uses it for anything
the dialog's own handlers did not take (a sticker, a photo, text where a button is expected, a stale button).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from aiogram import BaseMiddleware
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, TelegramObject
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.render import Screen
from bot.storage import HeldRecords
from bot.utils.messages import new_nonce

if TYPE_CHECKING:
    from core.bootstrap import Container
    from core.cache import Cache
    from core.db.models import User

log = logging.getLogger("mechta.bot.dialog")
# At most this long a press holds its chat's turn (released as soon as its handler is done; a dead replica's expires).
TURN_LOCK_SECONDS = 10


class DialogData(BaseModel):
    """The data of one dialog run. Subclasses name the FSM `states` the dialog has and add their own fields.

    The stored JSON uses the field names, so a dialog in progress survives a restart. Data with a key the model does
    not know was written in another shape (an older release): it is not read as this dialog's, rather than being
    half-understood."""

    model_config = ConfigDict(extra="forbid")

    states: ClassVar[tuple[State, ...]] = ()

    nonce: str = Field(default_factory=new_nonce)
    step: int = 0
    turn: int = 0

    @classmethod
    def of(cls, raw_state: str | None, data: Mapping[str, Any]) -> Self | None:
        """The dialog's data when the FSM is in one of its states; None otherwise, or when the stored data cannot be
        read as this dialog's (then the person is simply no longer in it)."""
        if raw_state not in {state.state for state in cls.states}:
            return None
        try:
            return cls.model_validate(data)
        except ValidationError:
            return None

    @classmethod
    async def read(cls, state: FSMContext) -> Self | None:
        return cls.of(await state.get_state(), await state.get_data())

    async def save(self, state: FSMContext, fsm_state: State | None = None) -> None:
        """Store the data; with `fsm_state`, move to that state of the dialog first."""
        if fsm_state is not None:
            if fsm_state not in self.states:
                raise ValueError(f"{fsm_state.state} is not a state of {type(self).__name__}")
            await state.set_state(fsm_state)
        await state.set_data(self.model_dump(mode="json"))

    async def take_turn(self, state: FSMContext, cache: Cache) -> str | HeldTurn | None:
        """Claim this press for the dialog as read: the chat's turn lock is taken, the stored dialog must still be at
        the turn this copy was read at, and its turn moves on. Returns the lock (released by `ReleaseTurn` once the
        handler is done), or None when another update holds it or got there first — the other tap of a double tap,
        which goes on alone."""
        if _holds_chat(state):
            raw_state = await state.get_state()
            expected = self._turn_token(raw_state)
            if turn_token(raw_state, await state.get_data()) != expected:
                return None
            self.turn += 1
            return HeldTurn(state, expected, self.model_dump(mode="json"))
        lock = _turn_lock(state)
        if not await _lock(cache, lock):
            return None
        raw_state = await state.get_state()
        if turn_token(raw_state, await state.get_data()) != self._turn_token(raw_state):
            await _unlock(cache, lock)
            return None
        self.turn += 1
        await state.set_data(self.model_dump(mode="json"))
        return lock

    def _turn_token(self, raw_state: str | None) -> str:
        """This copy's `turn_token`, without dumping the whole dialog for its nonce and turn."""
        return turn_token(raw_state, {"nonce": self.nonce, "turn": self.turn})

    def accepts(self, callback_data: CallbackData) -> bool:
        """The button was shown in this run and, when it names a step, for the question that is open now."""
        if getattr(callback_data, "nonce", None) != self.nonce:
            return False
        step = getattr(callback_data, "step", None)
        return step is None or step == self.step


class InDialog(Filter):
    """Passes an update that belongs to the person's current run of `dialog` and hands the handler its data as
    `dialog`. A button passes only if `DialogData.accepts` it (put this filter after the CallbackData filter); a
    stale one does not pass and ends in the fallback router, which answers that the menu is outdated."""

    def __init__(self, dialog: type[DialogData]) -> None:
        self.dialog = dialog

    async def __call__(self, event: Message | CallbackQuery, state: FSMContext, container: Container,
                       raw_state: str | None = None,
                       callback_data: CallbackData | None = None) -> bool | dict[str, Any]:
        dialog = self.dialog.of(raw_state, await state.get_data())
        if dialog is None or (callback_data is not None and not dialog.accepts(callback_data)):
            return False
        if isinstance(event, CallbackQuery):
            lock = await dialog.take_turn(state, container.cache)
            if lock is None:
                return False
            return {"dialog": dialog, "dialog_turn": lock}
        return {"dialog": dialog}


@dataclass(frozen=True)
class HeldTurn:
    """A turn taken while the update holds its chat: `settle` stores the moved turn unless the handler already
    stored something else (its own save carries the turn, or the dialog moved on or ended)."""

    state: FSMContext
    read_as: str
    turned: dict[str, Any]

    async def settle(self) -> None:
        if turn_token(await self.state.get_state(), await self.state.get_data()) == self.read_as:
            await self.state.set_data(self.turned)


class ReleaseTurn(BaseMiddleware):
    """Frees the chat's turn lock an `InDialog` press took, once its handler is done (an inner middleware on the
    callback queries of the dispatcher: it wraps the handler of every router)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            lock = data.get("dialog_turn")
            if isinstance(lock, HeldTurn):
                await lock.settle()
            elif lock:
                await _unlock(self.cache, lock)


# ---- one press, one step ----------------------------------------------------------------------------------------

async def _lock(cache: Cache, key: str) -> bool:
    """Take the chat's turn lock. With the cache away the press goes on without it: the turn's compare-and-set
    still turns away a tap that comes after the first one's write, and the dialog keeps working."""
    try:
        return await cache.set_if_absent(key, "1", TURN_LOCK_SECONDS)
    except Exception:
        log.warning("the turn lock is unavailable; going on without it", exc_info=True)
        return True


async def _unlock(cache: Cache, key: str) -> None:
    try:
        await cache.delete(key)
    except Exception:  # it expires by itself
        log.warning("could not release the turn lock", exc_info=True)


def _turn_lock(state: FSMContext) -> str:
    key = state.key
    return f"bot:dialog-turn:{key.bot_id}:{key.chat_id}:{key.user_id}:{key.thread_id}"


def turn_token(raw_state: str | None, data: Mapping[str, Any]) -> str:
    """What a press expects to find stored: the state, the dialog's run and its turn (no dialog: just the state)."""
    return f"{raw_state}|{data.get('nonce')}|{data.get('turn')}"


async def compare_and_set(state: FSMContext, cache: Cache, expected: str, fsm_state: str | State | None,
                          data: Mapping[str, Any]) -> bool:
    """Write `fsm_state` and `data` only if the stored ones still match `expected` (a `turn_token`). The check and
    the write run under a short lock of the chat in the shared cache; an update that finds the lock taken is the
    other half of a simultaneous pair and loses."""
    if _holds_chat(state):  # no other update of the chat runs meanwhile: no lock of its own needed
        return await _set_if_unchanged(state, expected, fsm_state, data)
    lock = _turn_lock(state)
    if not await _lock(cache, lock):
        return False
    try:
        return await _set_if_unchanged(state, expected, fsm_state, data)
    finally:
        await _unlock(cache, lock)


async def _set_if_unchanged(state: FSMContext, expected: str, fsm_state: str | State | None,
                            data: Mapping[str, Any]) -> bool:
    if turn_token(await state.get_state(), await state.get_data()) != expected:
        return False
    await state.set_state(fsm_state)
    await state.set_data(dict(data))
    return True


def _holds_chat(state: FSMContext) -> bool:
    """Whether this update holds its chat's lock in our storage (see `HeldRecords`)."""
    return isinstance(state.storage, HeldRecords) and state.storage.holds(state.key)


# ---- asking the open question again -----------------------------------------------------------------------------

D = TypeVar("D", bound=DialogData)


@dataclass(frozen=True)
class OpenQuestion:
    """What a re-ask gets: the stored FSM state and data, the person and the services."""

    raw_state: str
    data: Mapping[str, Any]
    user: User
    container: Container

    def dialog(self, kind: type[D]) -> D | None:
        return kind.of(self.raw_state, self.data)


ReAsk = Callable[[OpenQuestion], Awaitable[Screen | None]]
_REASKS: dict[str, ReAsk] = {}


def reasks(*states: State) -> Callable[[ReAsk], ReAsk]:
    """Declare the function that asks the open question of these states again: it returns the question's `Screen`
    (text and buttons, as when it was first asked), or None when the stored data is no dialog of these states."""
    def register(function: ReAsk) -> ReAsk:
        for fsm_state in states:
            if fsm_state.state in _REASKS and _REASKS[fsm_state.state] is not function:
                raise ValueError(f"{fsm_state.state} already has a re-ask")
            _REASKS[fsm_state.state] = function
        return function
    return register


def reask_for(raw_state: str | None) -> ReAsk | None:
    return _REASKS.get(raw_state) if raw_state else None
