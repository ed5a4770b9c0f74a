"""The envelope holds for every kind of response, including the ones no route produced."""
from __future__ import annotations

import httpx

from tests.helpers import error_of as assert_error


async def test_unknown_route_is_a_404_envelope(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/api/v1/no-such-thing"), 404, "NOT_FOUND")


async def test_wrong_method_is_a_405_envelope(api: httpx.AsyncClient) -> None:
    assert_error(await api.delete("/health"), 405, "METHOD_NOT_ALLOWED")


async def test_a_405_allows_every_method_the_path_has(api: httpx.AsyncClient) -> None:
    """FastAPI keeps a route per method; Starlette's 405 would name only the first one."""
    refused = await api.request("OPTIONS", "/api/v1/me")
    assert_error(refused, 405, "METHOD_NOT_ALLOWED")
    assert {"GET", "PUT", "DELETE"} <= set(refused.headers["Allow"].split(", "))
    assert "POST" not in refused.headers["Allow"]


async def test_request_id_is_echoed_back(api: httpx.AsyncClient) -> None:
    response = await api.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.json()["meta"]["request_id"] == "abc-123"


async def test_security_headers_are_set(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_health_reports_database_and_redis(api: httpx.AsyncClient, backend: str) -> None:
    response = await api.get("/health")
    body = response.json()
    assert response.status_code == 200 and body["ok"] is True
    components = {c["name"]: c for c in body["result"]["components"]}
    assert components["database"] == {"name": "database", "status": "ok", "detail": backend.replace("postgres", "postgresql")}
    assert components["redis"]["status"] == "ok"
    assert components["scheduler"]["status"] == "never_seen"


async def test_health_is_503_when_the_database_is_down(settings) -> None:
    from api.main import create_app
    from core.bootstrap import Container

    unreachable = settings.model_copy(update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/none"})
    down = Container(unreachable)
    try:
        app = create_app(down)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/health")
            page = await client.get("/")
    finally:
        await down.close()
    assert response.status_code == 503
    assert response.json()["result"]["status"] == "down"
    assert page.status_code == 503 and "Mechta is down" in page.text


async def test_status_page_is_html(api: httpx.AsyncClient) -> None:
    response = await api.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "database" in response.text and "/docs" in response.text


async def test_body_over_the_limit_is_a_413_envelope(api: httpx.AsyncClient, container) -> None:
    big = b"{" + b" " * (container.settings.max_body_bytes + 10) + b"}"
    response = await api.post("/api/v1/anything", content=big, headers={"Content-Type": "application/json"})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_a_chunked_body_over_the_limit_is_a_413_envelope(api: httpx.AsyncClient, container) -> None:
    half = b" " * (container.settings.max_body_bytes // 2 + 1)

    async def chunks():  # no Content-Length: the limit is counted as the body streams in
        for _ in range(3):
            yield half

    response = await api.post("/api/v1/life_wheel", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
