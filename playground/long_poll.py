"""Long polls end when their client goes away, so a stopped bot or a closed tab leaves no request waiting."""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from fastapi import Request

T = TypeVar("T")


async def unless_client_leaves(request: Request, waiting: Coroutine[Any, Any, T]) -> T | None:
    """The coroutine's result, or None (after cancelling it) if the client disconnects first."""
    work = asyncio.ensure_future(waiting)
    watcher = asyncio.ensure_future(_client_left(request))
    try:
        await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if work.done():
        return work.result()
    work.cancel()
    return None


async def _client_left(request: Request) -> None:
    # The request body has been read by now, so the next ASGI message is the disconnect.
    while (await request.receive())["type"] != "http.disconnect":
        pass
