"""/docs (Swagger UI) and /redoc served with their assets from this app, so they work without internet.

The assets come from the `fastapi-offline` package (it ships Swagger UI and ReDoc builds and keeps them
current); the pages are ours and carry no inline script, so a strict Content-Security-Policy can protect them:
scripts and styles from 'self', plus inline styles (Swagger UI and ReDoc set style attributes and ReDoc
injects <style> elements), images from 'self' and data:, and a blob: worker for ReDoc's search.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PREFIX = "/docs-assets"
OUR_ASSETS_PREFIX = "/docs-assets/mechta"
VENDOR_ASSETS = Path(fastapi_offline.__file__).parent / "static"
OUR_ASSETS = Path(__file__).parent / "static"


def install_docs(app: FastAPI) -> None:
    # The more specific mount first: Starlette matches mounts in order.
    app.mount(OUR_ASSETS_PREFIX, StaticFiles(directory=OUR_ASSETS), name="docs-assets-mechta")
    app.mount(ASSETS_PREFIX, StaticFiles(directory=VENDOR_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(app.title)} — Swagger UI</title>
<link rel="stylesheet" href="{root}{ASSETS_PREFIX}/swagger-ui.css">
<link rel="icon" href="{root}{ASSETS_PREFIX}/favicon.png"></head>
<body><div id="swagger-ui" data-openapi-url="{escape(root + app.openapi_url)}"></div>
<script src="{root}{ASSETS_PREFIX}/swagger-ui-bundle.js"></script>
<script src="{root}{OUR_ASSETS_PREFIX}/swagger-init.js"></script></body></html>""")

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(app.title)} — ReDoc</title><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{root}{ASSETS_PREFIX}/favicon.png"></head>
<body><redoc spec-url="{escape(root + app.openapi_url)}"></redoc>
<script src="{root}{ASSETS_PREFIX}/redoc.standalone.js"></script></body></html>""")
