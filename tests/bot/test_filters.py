"""The dispatcher's filters run on the event loop: aiogram hands any other filter to a thread (`asyncio.to_thread`),
and a text at the menu used to be tried against dozens of those before reaching the fallback."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aiogram import F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, Chat, Message, User

from bot import states
from bot.dispatcher import GatedRouter, create_dispatcher, feature_routers, state_names
from bot.keyboards.build import PrefixedQueryFilter
from bot.keyboards.callbacks import MenuAction, WheelAction
from bot.states import WheelForm
from bot.utils.filters import OWN_TEXT, Magic
from core.bootstrap import Container
from core.config import Settings


def _filters(router: Router) -> Iterator[tuple[str, FilterObject]]:
    for name, observer in router.observers.items():
        for filter_object in observer._handler.filters or []:
            yield f"{router.name}.{name} (router filter)", filter_object
        for handler in observer.handlers:
            for filter_object in handler.filters or []:
                yield f"{router.name}.{name} → {handler.callback.__name__}", filter_object
    for sub_router in router.sub_routers:
        yield from _filters(sub_router)


async def test_no_filter_in_the_dispatcher_hops_to_a_thread(tmp_path: Path) -> None:
    container = Container(Settings(_env_file=None, env="test", database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db",
                                   data_dir=tmp_path, bot_token="1:TEST"))
    try:
        dispatcher = create_dispatcher(container)
    finally:
        await container.close()

    filters = list(_filters(dispatcher))
    in_threads = [where for where, filter_object in filters if not filter_object.awaitable]
    unpacking_every_button = [where for where, filter_object in filters
                              if isinstance(filter_object.callback, CallbackQueryFilter)
                              and not isinstance(filter_object.callback, PrefixedQueryFilter)]

    assert in_threads == []
    assert unpacking_every_button == []


async def test_a_button_filter_turns_other_buttons_away_by_prefix_and_unpacks_its_own() -> None:
    def press(data: str) -> CallbackQuery:
        return CallbackQuery(id="1", from_user=User(id=1, is_bot=False, first_name="A"), chat_instance="1", data=data)

    menu_wheel = MenuAction.filter(F.action == "wheel")

    assert await menu_wheel(press("m:wheel")) == {"callback_data": MenuAction(action="wheel")}
    assert await menu_wheel(press("m:help")) is False
    assert await menu_wheel(press("mx:wheel")) is False
    assert await menu_wheel(press(WheelAction(nonce="n", step=0, action="score").pack())) is False


def test_a_bare_state_or_magic_filter_would_hop_and_is_caught_by_the_walk() -> None:
    router = Router(name="careless")
    router.message.register(lambda message: None, WheelForm.note, F.text)

    assert [filter_object.awaitable for _, filter_object in _filters(router)] == [False, False]


async def test_own_text_passes_answers_and_leaves_commands_to_their_routers() -> None:
    def message(text: str | None) -> Message:
        return Message(message_id=1, date=0, chat=Chat(id=1, type="private"), text=text)

    assert await OWN_TEXT(message("seven")) is True
    assert await OWN_TEXT(message("/help")) is False
    assert not await Magic(F.text)(message(None))


async def test_a_gated_router_turns_away_what_none_of_its_handlers_could_take() -> None:
    feature = Router(name="feature")
    reached: list[str] = []

    @feature.message(Command("mine"))
    async def mine(message: Message) -> str:
        reached.append("command")
        return "handled"

    @feature.message(StateFilter(WheelForm.note), OWN_TEXT)
    async def note(message: Message) -> str:
        reached.append("note")
        return "handled"

    gated = GatedRouter(feature)
    feature.message.outer_middleware(lambda handler, event, data: reached.append("entered") or handler(event, data))

    def message(text: str) -> Message:
        return Message(message_id=1, date=0, chat=Chat(id=1, type="private"), text=text)

    at_menu = await gated.propagate_event("message", message("hello"), raw_state=None, bot=None)
    command = await gated.propagate_event("message", message("/mine"), raw_state=None, bot=None)
    in_note = await gated.propagate_event("message", message("a note"), raw_state=WheelForm.note.state,
                                        bot=None)

    assert at_menu is UNHANDLED
    assert (command, in_note) == ("handled", "handled")
    assert reached == ["entered", "command", "entered", "note"]


async def test_a_gates_listed_states_pass_what_its_state_filter_passes() -> None:
    raw_states = [None, "", "Unknown:state", *(state.state for group in _state_groups() for state in group.__all_states__)]
    checked = 0
    for gated in feature_routers():
        for gate in gated.gates.values():
            if gate.states is None:
                continue
            assert gate.state_names is not None, gated.name
            for raw_state in raw_states:
                assert (raw_state in gate.state_names) == bool(await gate.states(None, raw_state=raw_state))
                checked += 1

    assert checked


def test_states_that_match_anything_are_not_listed() -> None:
    assert state_names(["*"]) is None
    assert state_names([WheelForm.scoring, WheelForm, None]) == {WheelForm.scoring.state, WheelForm.note.state, None}


def _state_groups() -> list[type[StatesGroup]]:
    return [value for value in vars(states).values()
            if isinstance(value, type) and issubclass(value, StatesGroup) and value is not StatesGroup]
