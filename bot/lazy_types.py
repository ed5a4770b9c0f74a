"""aiogram's Telegram types built when first used, not all at import.

aiogram declares its ~450 types with pydantic's `defer_build`, then forces every one of them to build at the end of
`aiogram.types` (to resolve the forward references between them). Each validator inlines the whole graph of types it
reaches, so the import alone costs ~155 MiB of a bot process — most of the memory of the bot. A bot validates a
handful of them: the `Update` (one validator covering everything an update holds), the answers to the methods it calls.

`defer_aiogram_validators()` imports aiogram with that forced build skipped and keeps the namespace aiogram passes to
it; every aiogram model gets that namespace as its own, so a validator built later — from whatever frame first
touches the model — resolves its forward references to aiogram's types and never to a same-named object of the
caller (our `User` row, say). Nothing else changes: the same classes, the same validators, built on first use.

It must run before anything imports aiogram; the `bot` package runs it on import (bot/__init__.py). Imported after
aiogram (a tool that imported it first), it changes nothing and aiogram stays as eager as it is.
"""
from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

_NAMESPACE: dict[str, Any] = {}


def defer_aiogram_validators() -> bool:
    """Import aiogram with its types' validators deferred; False when aiogram was imported before (nothing done)."""
    if "aiogram" in sys.modules:
        return False
    rebuild = BaseModel.__dict__["model_rebuild"]

    def keep_namespace(cls: type[BaseModel], *, force: bool = False, raise_errors: bool = True,
                       _parent_namespace_depth: int = 2, _types_namespace: Any = None) -> bool | None:
        if _types_namespace is None or force or not cls.__module__.startswith("aiogram."):
            return rebuild.__func__(cls, force=force, raise_errors=raise_errors,
                                    _parent_namespace_depth=_parent_namespace_depth + 1,
                                    _types_namespace=_types_namespace)
        _NAMESPACE.update(_types_namespace)
        return None

    BaseModel.model_rebuild = classmethod(keep_namespace)  # type: ignore[assignment]
    try:
        import aiogram  # noqa: F401  (the types, the methods, the dispatcher: everything aiogram imports itself)
    finally:
        BaseModel.model_rebuild = rebuild  # type: ignore[assignment]
    for model in aiogram_models():
        model.__pydantic_parent_namespace__ = _NAMESPACE
    return True


def aiogram_models() -> list[type[BaseModel]]:
    """Every pydantic model class aiogram defined (types, methods, their bases)."""
    found: list[type[BaseModel]] = []
    pending = list(BaseModel.__subclasses__())
    seen: set[type] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("aiogram."):
            found.append(model)
    return found
