"""A small HTTP load balancer for tests: each request goes to the next backend in turn, like a round-robin
proxy in front of web replicas. A backend that refuses the connection is answered 502 (as nginx would), so the
caller — the Bot API emulator playing Telegram — retries later."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import httpx
from starlette.requests import Request
from starlette.responses import Response

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Forwarded:
    backend: int
    path: str
    status: int
    body: bytes


@dataclass
class RoundRobinProxy:
    backends: list[str] = field(default_factory=list)
    log: list[Forwarded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._turn = itertools.count()
        self._client = httpx.AsyncClient(timeout=60)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        index = next(self._turn) % len(self.backends)
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP}
        try:
            upstream = await self._client.request(request.method, self.backends[index] + request.url.path,
                                                  content=body, headers=headers)
            response = Response(upstream.content, status_code=upstream.status_code,
                                headers={k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP})
        except httpx.HTTPError:
            response = Response(b"bad gateway", status_code=502)
        self.log.append(Forwarded(index, request.url.path, response.status_code, body))
        await response(scope, receive, send)

    async def aclose(self) -> None:
        await self._client.aclose()
