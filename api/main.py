"""FastAPI application factory."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.docs import install_docs
from api.envelope import request_id_var
from api.errors import install_error_handlers
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.rate_limit import RateLimitMiddleware
from api.routes import API_V1_ROUTERS, document_route_errors
from api.routes.system import router as system_router
from api.unavailable import install_unavailable_handlers
from core.bootstrap import Container, build_container
from core.config import Settings, get_settings
from core.db.migrate import upgrade_in_subprocess
from core.logs import add_context_field

log = logging.getLogger("mechta.api")

DESCRIPTION = """Mechta's REST API: the same core as the Telegram bot.

Every response uses one envelope: `{ok, result, error{code, http_code, message, details, fields}, meta{request_id,
timestamp, pagination}}`. Authenticate with `Authorization: Bearer <access_token>`: sign up, read the verification
code from the outbox (development) and exchange it for tokens."""


def create_app(container: Container | None = None, *, settings: Settings | None = None,
               run_migrations: bool | None = None) -> FastAPI:
    """Build the app. Tests pass a ready container; `python -m api` lets the lifespan build and migrate one."""
    settings = container.settings if container else (settings or get_settings())
    owns_container = container is None
    migrate = owns_container if run_migrations is None else run_migrations

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if migrate:
            # In a child process: Alembic and Mako would stay in this one for good.
            await upgrade_in_subprocess(settings.database_url)
        if owns_container:
            app.state.container = build_container(settings)
        # Cached identities may live in this process only while it hears about revocations elsewhere.
        app.state.container.identities.start()
        try:
            yield
        finally:
            if owns_container:
                await app.state.container.close()

    # No OpenTelemetry here (metrics are Prometheus's, core/metrics.py): with its telemetry on, FastAPI asks the global
    # OpenTelemetry providers, environment included, on every request, to find none configured.
    app = FastAPI(title="Mechta API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, telemetry={"tracing": False, "metrics": False, "logs": False})
    if settings.docs_served:
        install_docs(app)  # self-hosted Swagger UI and ReDoc: they work offline
    if container is not None:
        app.state.container = container

    install_error_handlers(app)
    install_unavailable_handlers(app, settings.database_retry_after_seconds)
    _document_errors_in_openapi(app)
    # Every API route checks its input against core.validation's character rule first (api/edge.py EdgeRoute).
    for router in API_V1_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    app.include_router(system_router)
    if settings.playground_enabled:
        _mount_playground(app, settings)

    # Inside CORS, so a browser can read a 429.
    app.add_middleware(RateLimitMiddleware)
    if settings.cors_origins:
        # A wildcard origin never goes with credentials: any site could then act with the user's cookies.
        wildcard = "*" in settings.cors_origins
        app.add_middleware(CORSMiddleware, allow_origins=["*"] if wildcard else settings.cors_origins,
                           allow_credentials=not wildcard, allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["X-Request-ID"])
    # The Bot API emulator receives photo uploads bigger than the JSON API's limit.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes,
                       exempt_prefixes=("/tg/", "/playground/api/"))
    app.add_middleware(RequestContextMiddleware, hsts=settings.effective_public_base_url.startswith("https://"))
    add_context_field("request_id", request_id_var.get)
    if settings.forwarded_allow_list:
        # Outermost: the client address (rate limits, sessions, logs) comes from X-Forwarded-For only when the
        # connection is from a listed proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_list)
    return app


def _document_errors_in_openapi(app: FastAPI) -> None:
    # Built on the first /openapi.json, not at import: reading the core for error codes is not start-up work.
    def openapi() -> dict:
        if app.openapi_schema is None:
            document_route_errors()
        return FastAPI.openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_playground(app: FastAPI, settings: Settings) -> None:
    # A development tool: imported only when it is switched on, so production never loads it.
    from playground import BotApiEmulator, create_playground_router

    emulator = BotApiEmulator(settings.data_dir / "playground")
    app.state.emulator = emulator
    app.include_router(create_playground_router(emulator))
