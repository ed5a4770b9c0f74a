"""Typed dialog state and the one check that a button belongs to the question the person is on.

Each dialog keeps its data as a `DialogData` model in the FSM storage, next to the FSM state. Two fields every dialog
has: `nonce` names one run of the dialog (its buttons repeat it, so buttons of an earlier run are stale) and `step`
is the open question (a button that carries a step answers that question only, so a second tap on an answered
question is stale too). Handlers get the model from the `InDialog` filter, change it, and `save` it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.utils.messages import new_nonce


class DialogData(BaseModel):
    """The data of one dialog run. Subclasses name the FSM `states` the dialog has and add their own fields.

    The stored JSON uses the field names, so a dialog in progress survives a restart. Data with a key the model does
    not know was written in another shape (an older release): it is not read as this dialog's, rather than being
    half-understood."""

    model_config = ConfigDict(extra="forbid")

    states: ClassVar[tuple[State, ...]] = ()

    nonce: str = Field(default_factory=new_nonce)
    step: int = 0

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

    async def __call__(self, event: Message | CallbackQuery, state: FSMContext, raw_state: str | None = None,
                       callback_data: CallbackData | None = None) -> bool | dict[str, Any]:
        dialog = self.dialog.of(raw_state, await state.get_data())
        if dialog is None or (callback_data is not None and not dialog.accepts(callback_data)):
            return False
        return {"dialog": dialog}
