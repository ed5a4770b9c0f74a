"""A dict bounded to its most recently set keys: the in-process memos of the hot paths (verified tokens, identities,
paid rewards, rate-limit leases) keep at most `maxsize` entries each."""
from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedDict(OrderedDict[K, V]):
    """Setting a key makes it the newest; past `maxsize` the oldest go. Reading does not reorder."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.maxsize:
            self.popitem(last=False)
