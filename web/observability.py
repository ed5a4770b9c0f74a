"""HTTP metrics for every request, and GET /metrics (Bearer METRICS_TOKEN when it is set)."""
from __future__ import annotations

import hmac
import time

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from core import metrics

UNMATCHED_ROUTE = "<unmatched>"


class HttpMetricsMiddleware:
    """Counts requests by method, route template (never the raw path: ids would explode the series) and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            metrics.HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)


def metrics_endpoint(token: str):
    expected = f"Bearer {token}".encode()

    async def read_metrics(request: Request) -> Response:
        if token and not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return error_response(401, "UNAUTHORIZED", "Metrics need the Bearer METRICS_TOKEN.",
                                  headers={"WWW-Authenticate": "Bearer"})
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    return read_metrics
