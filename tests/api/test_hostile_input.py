"""Hostile input never becomes a 500: control characters, absurd numbers and dates, odd signatures and tokens
all get a 4xx envelope on both databases; a 500 that does happen has one request id, headers and one traceback."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from urllib.parse import quote

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select, text
from sqlalchemy.exc import DataError

from api.edge import EdgeRoute
from api.main import create_app
from api.routes import API_V1_ROUTERS
from api.routes.system import router as system_router
from core.db.models import Goal
from core.logs import mask_url
from tests.api.test_auth import sign_init_data, webapp_fields
from tests.helpers import error_of, ok_result, signed_in

NUL = "\u0000"
GOAL = {"title": "Run a marathon", "horizon": "1y"}


def _fields_of(response: httpx.Response, status: int = 422, code: str = "VALIDATION_ERROR") -> dict:
    return error_of(response, status, code)["fields"]


# ----- control characters -----------------------------------------------------------------------------------------

UNAUTHENTICATED_BODIES = [
    ("/api/v1/auth/signup", {"email": f"a{NUL}@example.com", "password": "Str0ng-pass!"}, "email"),
    ("/api/v1/auth/signin", {"email": "a@example.com", "password": f"Str0ng{NUL}pass"}, "password"),
    ("/api/v1/auth/request-password-reset", {"email": f"{NUL}@example.com"}, "email"),
    ("/api/v1/auth/reset-password", {"token": f"x{NUL}y" * 20, "new_password": "N3w-secret"}, "token"),
    ("/api/v1/auth/telegram/webapp", {"init_data": f"auth_date=1{NUL}&hash=00"}, "init_data"),
]


@pytest.mark.parametrize(("path", "body", "field"), UNAUTHENTICATED_BODIES, ids=lambda v: str(v)[:30])
async def test_control_characters_in_an_unauthenticated_body_are_a_422(api, path, body, field) -> None:
    fields = _fields_of(await api.post(path, json=body))
    assert field in fields and "U+0000" in fields[field][0]


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PUT", "/api/v1/me", {"display_name": f"Ира{NUL}"}, "display_name"),
    ("POST", "/api/v1/calendar/events", {"title": "Run\x07", "start": "2030-01-01T10:00:00Z",
                                         "end": "2030-01-01T11:00:00Z"}, "title"),
    ("POST", "/api/v1/life_wheel", {"scores": {f"heal{NUL}th": 5}}, f"scores.heal{NUL}th"),
    ("POST", "/api/v1/wants/stream/append", {"text": f"хочу{NUL}"}, "text"),
    ("PUT", "/api/v1/me/password", {"current_password": "Str0ng-pass!", "new_password": f"N3w{NUL}pass"},
     "new_password"),
], ids=lambda v: str(v)[:30])
async def test_control_characters_in_a_signed_in_body_are_a_422(api, container, method, path, body, field) -> None:
    _, headers = await signed_in(container)
    fields = _fields_of(await api.request(method, path, json=body, headers=headers))
    assert field in fields


async def test_one_bad_item_in_a_batch_names_it_and_writes_nothing(api, container) -> None:
    user, headers = await signed_in(container)
    response = await api.post("/api/v1/goals/batch", headers=headers,
                              json={"goals": [GOAL, {**GOAL, "description": f"bad{NUL}"}]})
    assert "goals.1.description" in _fields_of(response)
    async with container.db.read() as session:
        assert (await session.scalars(select(Goal).where(Goal.user_id == user.id))).all() == []


async def test_tabs_and_line_breaks_stay_allowed_in_text(api, container) -> None:
    _, headers = await signed_in(container)
    saved = ok_result(await api.post("/api/v1/goals/batch", headers=headers, json={
        "goals": [{**GOAL, "description": "line one\nline two\r\n\tindented"}]}))
    assert saved["items"][0]["description"] == "line one\nline two\r\n\tindented"


def test_every_api_route_checks_its_input_at_the_edge() -> None:
    routes = [route for router in (*API_V1_ROUTERS, system_router) for route in router.routes
              if isinstance(route, APIRoute)]
    assert routes and all(isinstance(route, EdgeRoute) for route in routes), [
        route.path for route in routes if not isinstance(route, EdgeRoute)]


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/areas/health%00", "area_id"),
    ("/api/v1/calendar/feed/abc%00def.ics", "token"),
    ("/api/v1/google/start?t=abc%00", "t"),
    ("/api/v1/areas?x=%1B", "x"),
], ids=["path", "ics path", "query", "unknown query param"])
async def test_control_characters_in_path_and_query_are_a_422_without_signing_in(api, path, field) -> None:
    assert field in _fields_of(await api.get(path))


async def test_line_breaks_are_refused_in_query_parameters(api, container) -> None:
    _, headers = await signed_in(container)
    assert "horizon" in _fields_of(await api.get("/api/v1/goals?horizon=1y%0A", headers=headers))


# ----- numbers, dates and times -----------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["9" * 30, str(2**63), "1000001"])
async def test_absurd_page_numbers_are_a_422(api, container, page) -> None:
    _, headers = await signed_in(container)
    assert "page" in _fields_of(await api.get(f"/api/v1/wants/history?page={page}", headers=headers))
    assert "page" in _fields_of(await api.get(f"/api/v1/life_wheel?page={page}", headers=headers))


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/calendar/events?start=9999-12-31T00:00:00Z", "start"),
    ("/api/v1/calendar/events?start=2030-01-01T00:00:00Z&end=9999-12-31T23:59:59Z", "end"),
    ("/api/v1/calendar/free-slots?start=0001-01-01T00:00:00Z", "start"),
    ("/api/v1/calendar/events?start=0.5", "start"),
    ("/api/v1/calendar/events?start=1.7e9", "start"),
    ("/api/v1/esoterics/today?date=9999-12-31", "date"),
])
async def test_dates_outside_1900_to_2199_and_fractional_unix_times_are_a_422(api, container, path, field) -> None:
    _, headers = await signed_in(container)
    assert field in _fields_of(await api.get(path, headers=headers))


async def test_a_whole_unix_time_is_still_accepted(api, container) -> None:
    _, headers = await signed_in(container)
    ok_result(await api.get("/api/v1/calendar/events?start=1893456000", headers=headers))


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/calendar/plan-week/preview", {"week_start": "9999-12-27"}),
    ("/api/v1/calendar/plan-week/commit", {"week_start": "9999-12-27"}),
    ("/api/v1/calendar/events", {"title": "Far", "start": "9999-12-31T23:00:00Z", "end": "9999-12-31T23:30:00Z"}),
])
async def test_far_dates_in_bodies_are_a_422(api, container, path, body) -> None:
    _, headers = await signed_in(container)
    fields = _fields_of(await api.post(path, json=body, headers=headers))
    assert set(fields) & {"week_start", "start", "end"}


# ----- signatures and tokens --------------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", ["é", "подпись", "\U0001F600" * 10])
async def test_non_ascii_picture_signature_is_a_403(api, sig) -> None:
    response = await api.get(f"/api/v1/visuals/files/{uuid.uuid4()}?exp=2000000000&sig={quote(sig)}")
    error_of(response, 403, "VISUALS_LINK_INVALID")


async def test_non_ascii_init_data_hash_is_a_401(api, container) -> None:
    fields = webapp_fields(container)
    init_data = sign_init_data(fields, container.settings.bot_token.get_secret_value())
    forged = init_data.rsplit("hash=", 1)[0] + "hash=" + quote("хэш")
    error_of(await api.post("/api/v1/auth/telegram/webapp", json={"init_data": forged}), 401,
             "AUTH_TELEGRAM_INITDATA_INVALID")


async def test_non_ascii_bot_secret_is_a_403(api) -> None:
    response = await api.post("/api/v1/auth/telegram", json={"telegram_id": 1},
                              headers={"X-Bot-Secret": "секрет".encode()})
    error_of(response, 403, "AUTH_TELEGRAM_FORBIDDEN")


async def test_init_data_from_the_future_is_refused(api, container) -> None:
    fields = webapp_fields(container)
    fields["auth_date"] = str(int((container.clock.now() + timedelta(hours=1)).timestamp()))
    init_data = sign_init_data(fields, container.settings.bot_token.get_secret_value())
    error_of(await api.post("/api/v1/auth/telegram/webapp", json={"init_data": init_data}), 401,
             "AUTH_TELEGRAM_INITDATA_INVALID")


@pytest.mark.parametrize("exp", ["soon", [1], {"at": 1}, 1.5e9, True, None])
async def test_access_token_with_a_non_numeric_exp_is_a_401(api, container, exp) -> None:
    user, _ = await signed_in(container)
    token = jwt.encode({"sub": str(user.id), "type": "access", "session_id": str(uuid.uuid4()), "exp": exp,
                        "jti": "x"}, container.settings.jwt_secret_key.get_secret_value(), algorithm="HS256")
    response = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["ok"] is False


async def test_a_value_the_database_refuses_is_a_422(container, backend) -> None:
    app = create_app(container)

    async def refused_by_the_database() -> None:
        async with container.db.read() as session:
            if backend == "postgres":
                await session.execute(text("SELECT CAST(:value AS INTEGER)"), {"value": "secret-value"})
            raise DataError("SELECT", {"value": "secret-value"}, ValueError("out of range"))

    app.add_api_route("/test/data-error", refused_by_the_database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        error_of(await client.get("/test/data-error"), 422, "VALIDATION_ERROR")


# ----- request ids, headers, the 500 ------------------------------------------------------------------------------

def _app_with_a_failing_route(container) -> FastAPI:
    app = create_app(container)

    async def fail() -> None:
        raise RuntimeError("boom for the test")

    app.add_api_route("/test/fail", fail)
    return app


async def test_a_500_has_one_request_id_headers_and_one_traceback(container, caplog) -> None:
    app = _app_with_a_failing_route(container)
    with caplog.at_level(logging.INFO):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/test/fail", headers={"X-Request-ID": "client-id.42"})
    error = error_of(response, 500, "INTERNAL_ERROR")
    assert response.headers["X-Request-ID"] == "client-id.42" and "request_id" not in error["details"]
    assert response.headers["Connection"] == "close"
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "boom for the test" in caplog.text
    assert tracebacks[0].request_id == "client-id.42"


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "has space", "<script>", "ид"])
async def test_an_insane_or_missing_request_id_is_replaced(api, incoming) -> None:
    headers = {"X-Request-ID": incoming.encode()} if incoming is not None else {}
    response = await api.get("/api/v1/no-such-thing", headers=headers)
    request_id = response.headers["X-Request-ID"]
    assert request_id != incoming and len(request_id) == 32
    assert response.json()["meta"]["request_id"] == request_id


async def test_a_404_carries_the_security_headers(api) -> None:
    response = await api.get("/api/v1/nowhere")
    error_of(response, 404, "NOT_FOUND")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Content-Security-Policy" not in response.headers  # JSON, not a page


async def test_html_pages_have_a_content_security_policy(container) -> None:
    settings = container.settings.model_copy(update={"bot_token": "", "public_base_url": "https://mechta.example"})
    container.settings = settings
    app = create_app(container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for path in ("/", "/docs", "/redoc", "/playground", "/api/v1/google/start?t=x"):
            response = await client.get(path)
            assert response.headers["content-type"].startswith("text/html"), path
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, path
            assert response.headers["Strict-Transport-Security"].startswith("max-age="), path
            assert "<script>" not in response.text, path  # no inline script anywhere


async def test_no_hsts_without_https(api) -> None:
    assert "Strict-Transport-Security" not in (await api.get("/health")).headers


@pytest.mark.parametrize(("docs_enabled", "status"), [(None, 404), (True, 200)])
async def test_docs_are_off_in_production_unless_enabled(container, docs_enabled, status) -> None:
    container.settings = container.settings.model_copy(update={"env": "production", "docs_enabled": docs_enabled})
    app = create_app(container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/docs")).status_code == status
        assert (await client.get("/redoc")).status_code == status


async def test_a_wildcard_cors_origin_never_allows_credentials(container) -> None:
    container.settings = container.settings.model_copy(update={"cors_origins": ["*"]})
    app = create_app(container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/health", headers={"Origin": "https://evil.example"})
        preflight = await client.options("/api/v1/me", headers={"Origin": "https://evil.example",
                                                                "Access-Control-Request-Method": "GET"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Access-Control-Allow-Credentials" not in preflight.headers


def test_access_log_urls_lose_their_secrets() -> None:
    assert mask_url("/api/v1/calendar/feed/s3cr3t-feed.ics") == "/api/v1/calendar/feed/***.ics"
    masked = mask_url("/api/v1/visuals/files/1?exp=5&sig=abc&x=1")
    assert "abc" not in masked and "exp=5" in masked and "x=1" in masked
    for name in ("token", "code", "signature", "t", "state"):
        assert "hush" not in mask_url(f"/p?{name}=hush")


@pytest.mark.parametrize(("path", "takes_a_body"), [("/api/v1/goals/batch", True), ("/api/v1/areas", True),
                                                    ("/api/v1/auth/logout", False)])
async def test_absurdly_nested_json_is_never_a_500(api, container, path, takes_a_body) -> None:
    _, headers = await signed_in(container)
    depth = 200_000
    response = await api.post(path, content="[" * depth + "]" * depth,
                              headers={**headers, "Content-Type": "application/json"})
    if takes_a_body:
        assert 400 <= response.status_code < 500 and response.json()["ok"] is False
    else:  # the body is not read at all
        assert response.status_code == 200


async def test_deeply_nested_control_characters_are_found(api, container) -> None:
    _, headers = await signed_in(container)
    nested: object = "\u0000"
    for _ in range(500):
        nested = [nested]
    response = await api.post("/api/v1/goals/batch", json={"goals": [{**GOAL, "extra": nested}]}, headers=headers)
    assert "goals.0.extra." + ".".join(["0"] * 500) in _fields_of(response)
