"""Status page and health check (outside /api/v1)."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse

from api.deps import ContainerDep
from api.edge import EdgeRoute
from api.envelope import Envelope, current_request_id

router = APIRouter(tags=["system"], route_class=EdgeRoute)

_HEADLINE = {"ok": "is up", "degraded": "is up, without Redis (in-process fallbacks)", "down": "is down"}
_BADGE = {"ok": "#1a7f37", "not_configured": "#6e7781", "never_seen": "#6e7781", "stale": "#9a6700", "down": "#cf222e"}


async def _components(container) -> tuple[list[dict], bool, str]:
    """The parts, whether the database is up, and the overall status: `down` without the database, `degraded`
    while Redis is configured but unreachable (everything works on in-process fallbacks), else `ok`."""
    components = await container.health.check()
    status_of = {c.name: c.status for c in components}
    database_up = status_of["database"] == "ok"
    overall = "down" if not database_up else "degraded" if status_of.get("redis") == "down" else "ok"
    return [{"name": c.name, "status": c.status, "detail": c.detail} for c in components], database_up, overall


@router.get("/health", summary="Health of the database, Redis and background processes")
async def health(container: ContainerDep) -> JSONResponse:
    components, database_up, overall = await _components(container)
    status = 200 if database_up else 503
    body = Envelope.success({"status": overall, "components": components})
    if not database_up:
        body = body.model_copy(update={"ok": False})
    return JSONResponse(body.model_dump(mode="json"), status_code=status,
                        headers={"X-Request-ID": current_request_id()})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def status_page(container: ContainerDep) -> HTMLResponse:
    components, database_up, overall = await _components(container)
    rows = "".join(
        f"<tr><td>{escape(c['name'])}</td><td><span class='b' style='background:{_BADGE.get(c['status'], '#6e7781')}'>"
        f"{escape(c['status'].replace('_', ' '))}</span></td><td>{escape(c['detail'])}</td></tr>"
        for c in components
    )
    links = ['<a href="/docs">API docs (Swagger)</a>', '<a href="/redoc">ReDoc</a>', '<a href="/health">/health</a>']
    if container.settings.playground_enabled:
        links.append('<a href="/playground">Bot playground</a>')
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mechta status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 16px;color:#1f2328}}
table{{border-collapse:collapse;width:100%}}td{{padding:8px;border-bottom:1px solid #d0d7de}}
.b{{color:#fff;border-radius:10px;padding:2px 10px;font-size:14px}}nav a{{margin-right:16px}}</style></head>
<body><h1>Mechta {_HEADLINE[overall]}</h1>
<p>Life-planning coach: Telegram bot, REST API and scheduler on one core.</p>
<table>{rows}</table><p></p><nav>{''.join(links)}</nav></body></html>"""
    return HTMLResponse(html, status_code=200 if database_up else 503)
