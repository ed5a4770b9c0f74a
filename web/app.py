"""The web app factory: the API app, the Telegram webhook in webhook mode and /metrics."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.main import create_app
from core.bootstrap import Container, build_container
from core.config import Settings, get_settings
from web.observability import HttpMetricsMiddleware, metrics_endpoint
from web.telegram import WEBHOOK_PATH, TelegramWebhook


def create_web_app(container: Container | None = None, *, settings: Settings | None = None) -> FastAPI:
    """`python -m web` passes settings and lets the app build, migrate and close its container; tests pass one."""
    owns_container = container is None
    container = container or build_container(settings or get_settings())
    app = create_app(container, run_migrations=owns_container)

    telegram = TelegramWebhook(container) if container.settings.webhook_enabled else None
    if telegram is not None:
        app.state.telegram = telegram
        app.add_api_route(WEBHOOK_PATH, telegram.handle, methods=["POST"], include_in_schema=False)
    app.add_api_route("/metrics", metrics_endpoint(container.settings.metrics_token.get_secret_value()),
                      methods=["GET"], include_in_schema=False)
    app.add_middleware(HttpMetricsMiddleware)

    api_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with api_lifespan(app):
            if telegram is not None:
                await telegram.start()
            try:
                yield
            finally:
                if telegram is not None:
                    await telegram.stop()
                if owns_container:
                    await container.close()

    app.router.lifespan_context = lifespan
    return app
