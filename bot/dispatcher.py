"""The Dispatcher factory: storage, event isolation, middlewares, routers in the order they must match."""
from __future__ import annotations

from collections.abc import Iterable
from inspect import isclass
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n

from bot.errors import create_errors_router
from bot.factory import keep_response_models
from bot.handlers import (
    calendar,
    coach,
    data_rights,
    fallback,
    goals,
    membership,
    menu,
    onboarding,
    profile,
    progress,
    rituals,
    settings,
    story,
    today,
    wants,
    wheel,
)
from bot.i18n import create_i18n
from bot.keyboards.build import PrefixedQueryFilter
from bot.middlewares.i18n import UserLocaleMiddleware
from bot.middlewares.input_guard import InputGuardMiddleware
from bot.middlewares.observability import UpdateMetricsMiddleware, UserLogContextMiddleware
from bot.middlewares.pipeline import UpdatePipeline
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.middlewares.user import UserMiddleware
from bot.middlewares.voice import VoiceMiddleware
from bot.slow_work import SlowWork
from bot.storage import DatabaseStorage, HeldChatIsolation, WriteThroughStorage, create_storage
from bot.utils.dialog import ReleaseTurn
from core.bootstrap import Container


def feature_routers() -> list[Router]:
    """Commands first (they must work inside any dialog), then dialogs, then the coach (text outside any dialog),
    then the catch-all. Built anew for every Dispatcher, because a router belongs to one parent (tests and restarts
    build several)."""
    modules = (membership, menu, data_rights, calendar, onboarding, goals, today, rituals, progress, settings, wheel,
               profile, wants, story, coach, fallback)
    return [GatedRouter(module.create_router()) for module in modules]


class GatedRouter(Router):
    """A feature's router behind its gates (`router_gate`): an update no handler of the feature could take is
    turned away before aiogram propagates it there (middlewares wrapped, filters prepared, the context copied
    at each step), so an update at the menu passes the dialogs' routers with one check each."""

    def __init__(self, feature: Router) -> None:
        super().__init__(name=f"{feature.name} (gated)")
        self.gates = {event: gate for event in ("message", "callback_query")
                      if (gate := router_gate(feature, event)) is not None}
        self.feature = self.include_router(feature)

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        gate = self.gates.get(update_type)
        if gate is not None and not await gate(event, kwargs.get("raw_state")):
            return UNHANDLED
        # This router has no handlers, filters or middlewares of its own: straight on to the feature's.
        return await self.feature.propagate_event(update_type, event, **kwargs)


class RouterGate:
    """Lets an update into a router only if one of its handlers could take it: a command or a button of the
    router's own (by prefix), or a chat in one of the states its handlers wait in."""

    __slots__ = ("prefixes", "state_names", "states")

    def __init__(self, prefixes: tuple[str, ...], states: StateFilter | None) -> None:
        self.prefixes = prefixes
        self.states = states
        # The states' names, when they can be listed: a set lookup instead of aiogram's filter going through the
        # states one by one (an update at the menu meets every dialog router's gate).
        self.state_names = state_names(states.states) if states is not None else frozenset()

    async def __call__(self, event: TelegramObject, raw_state: str | None = None) -> bool:
        if isinstance(event, Message):
            typed = event.text or event.caption
            if typed and typed.startswith(self.prefixes):
                return True
        elif isinstance(event, CallbackQuery) and event.data and event.data.startswith(self.prefixes):
            return True
        if self.state_names is not None:
            return raw_state in self.state_names
        return bool(await self.states(event, raw_state=raw_state))


def state_names(states: Iterable[Any]) -> frozenset[str | None] | None:
    """The raw states `StateFilter(*states)` passes, or None when they cannot be listed (a state that matches any)."""
    names: set[str | None] = set()
    for state in states:
        if state is None or (isinstance(state, str) and state != "*"):
            names.add(state)
        elif isinstance(state, State) and state.state != "*":
            names.add(state.state)
        elif isclass(state) and issubclass(state, StatesGroup):
            names.update(state.__all_states_names__)
        else:
            return None
    return frozenset(names)


def router_gate(router: Router, event: str) -> RouterGate | None:
    """The gate of a router's messages or button presses, from the first filter of each handler of the router and
    of the routers it includes (a gate that turns an update away skips those too; a handler can only take what its
    first filter passes); None when a handler starts otherwise, so nothing can be ruled out."""
    prefixes: list[str] = []
    states: list[Any] = []
    handlers = [handler for each in _with_included(router) for handler in each.observers[event].handlers]
    for handler in handlers:
        first = handler.filters[0].callback if handler.filters else None
        if isinstance(first, Command):
            prefixes.extend(first.prefix)  # each character is a prefix of its own
        elif isinstance(first, PrefixedQueryFilter):
            prefixes.append(first.prefix)
        elif isinstance(first, StateFilter) and "*" not in first.states:
            states.extend(first.states)
        else:
            return None
    if not handlers:
        return None
    return RouterGate(tuple(dict.fromkeys(prefixes)), StateFilter(*states) if states else None)


def _with_included(router: Router) -> list[Router]:
    return [router, *(each for included in router.sub_routers for each in _with_included(included))]


def create_dispatcher(container: Container, storage: BaseStorage | None = None,
                      i18n: I18n | None = None) -> Dispatcher:
    keep_response_models()  # whichever Bot feeds this dispatcher parses its answers with them
    i18n = i18n or create_i18n()
    storage = storage or create_storage(container.settings, container.db, container.redis)
    isolation = events_isolation(storage, container.settings.bot_chat_lock_seconds)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation)
    dispatcher["container"] = container
    dispatcher["i18n"] = i18n
    # Handlers hand their slow tail (AI, charts) to it, so the update is answered at once (bot/slow_work.py).
    dispatcher["slow_work"] = SlowWork(container.cache)
    throttling = ThrottlingMiddleware(container, i18n)
    if throttling.shared is not None:
        dispatcher.shutdown.register(throttling.shared.close)
    # One outer middleware running ours in this order (bot/middlewares/pipeline.py); the input guard comes after
    # the locale, so its notes are translated.
    dispatcher.update.outer_middleware(UpdatePipeline(
        UpdateMetricsMiddleware(), throttling, UserMiddleware(container), UserLocaleMiddleware(i18n),
        InputGuardMiddleware(), UserLogContextMiddleware()))
    # A voice note where words are expected is transcribed and handled as text (bot/middlewares/voice.py).
    dispatcher.message.outer_middleware(VoiceMiddleware(container))
    dispatcher.callback_query.middleware(ReleaseTurn(container.cache))
    dispatcher.include_routers(*feature_routers())
    dispatcher.include_router(create_errors_router(container, i18n))
    return dispatcher


def events_isolation(storage: BaseStorage, lock_seconds: int) -> BaseEventIsolation:
    """One update per chat at a time, so two quick presses cannot both read the same dialog step. With Redis the
    lock is shared by every replica (webhook mode spreads one chat's updates over them); without, per process.
    A replica that dies holding a chat's lock holds up that chat for at most `lock_seconds`."""
    if isinstance(storage, WriteThroughStorage):
        return storage.create_isolation(lock_seconds)  # falls back to per-process locks while Redis is away
    if isinstance(storage, RedisStorage):
        return storage.create_isolation(lock_kwargs={"timeout": lock_seconds})
    if isinstance(storage, DatabaseStorage):
        return HeldChatIsolation(storage)
    return SimpleEventIsolation()
