"""Run an ASGI app on a real socket inside the test's event loop, for clients that need HTTP (aiogram, browsers)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import uvicorn

STARTUP_TIMEOUT_SECONDS = 10.0
# Requests still running at shutdown (a bot's long poll) are cancelled after this.
GRACEFUL_SHUTDOWN_SECONDS = 1


@asynccontextmanager
async def serve_asgi(app, *, lifespan: Literal["on", "off", "auto"] = "off") -> AsyncIterator[str]:
    """Yield the base URL (http://127.0.0.1:<port>) while uvicorn serves the app on a free port."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan=lifespan,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    server = uvicorn.Server(config)
    # Ctrl+C must still stop pytest, so uvicorn does not take over the signals.
    server.capture_signals = contextlib.nullcontext
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
        await serving
