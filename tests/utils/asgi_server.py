"""Run an ASGI app on a real socket inside the test's event loop, for clients that need HTTP (aiogram, browsers)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import uvicorn

STARTUP_TIMEOUT_SECONDS = 10.0


@asynccontextmanager
async def serve_asgi(app, *, lifespan: Literal["on", "off", "auto"] = "off") -> AsyncIterator[str]:
    """Yield the base URL (http://127.0.0.1:<port>) while uvicorn serves the app on a free port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan=lifespan, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    # The tests own the event loop and its signals.
    server.install_signal_handlers = lambda: None
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if serving.done():
                    serving.result()
                    raise RuntimeError("uvicorn stopped before it started serving")
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        # Long polls still open would otherwise hold the graceful shutdown until they time out.
        server.force_exit = True
        await serving
