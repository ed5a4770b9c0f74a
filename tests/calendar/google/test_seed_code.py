"""Seed 000's POST /calendar/code (and its POST /google/callback body): a client that ran Google's consent itself
hands over the code; the product exchanges it at (fake) Google and connects the caller's calendar."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db.models import GoogleConnection
from tests.api.seed_shapes import seed_000_request_examples
from tests.calendar.conftest import BERLIN_FIELDS
from tests.calendar.google.test_google_sync import berlin, week_params
from tests.helpers import error_of, ok_result, signed_in

CALLBACK = "http://testserver/api/v1/google/callback"


@pytest.mark.parametrize("seed_endpoint", [("POST", "/calendar/code"), ("POST", "/google/callback")])
async def test_seed_code_body_connects_google(api, container, fake_google, monday_clock, seed_endpoint):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    heard = []

    async def listener(user_id):
        heard.append(user_id)

    container.calendar.google.on_connected.append(listener)
    body = {**seed_000_request_examples()[seed_endpoint], "code": fake_google.client_code(CALLBACK)}

    status = ok_result(await api.post("/api/v1/calendar/code", headers=headers, json=body))

    assert status["connected"] is True and status["google_email"] == "person@example.com"
    async with container.db.read() as session:
        connection = (await session.scalars(select(GoogleConnection).where(GoogleConnection.user_id == user.id))).one()
    assert container.calendar.cipher.decrypt(connection.refresh_token_enc) in fake_google.refresh_tokens
    assert heard == [user.id]
    assert ok_result(await api.get("/api/v1/calendar/status", headers=headers))["provider"] == "google"


async def test_a_code_google_refuses_is_a_400_and_nothing_is_stored(api, container, fake_google, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    error_of(await api.post("/api/v1/calendar/code", headers=headers,
                            json=seed_000_request_examples()[("POST", "/calendar/code")]), 400, "GOOGLE_CODE_INVALID")
    error_of(await api.post("/api/v1/calendar/code", headers=headers,
                            json={"code": fake_google.client_code(CALLBACK), "redirect_uri": "https://evil.example/cb"}),
             400, "GOOGLE_REDIRECT_URI_INVALID")
    assert not ok_result(await api.get("/api/v1/google/status", headers=headers))["connected"]


async def test_forcefullsync_rereads_everything(api, container, fake_google, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    ok_result(await api.post("/api/v1/calendar/code", headers=headers, json={"code": fake_google.client_code(CALLBACK)}))
    fake_google.add_event("Standup", berlin(2, 9), berlin(2, 9, 30))
    ok_result(await api.get("/api/v1/calendar/events", headers=headers, params=week_params()))
    before = ok_result(await api.get("/api/v1/calendar/cache/stats", headers=headers))["last_full_sync"]
    monday_clock.advance(seconds=60)

    listed = ok_result(await api.get("/api/v1/calendar/events", headers=headers,
                                     params={**week_params(), "forcefullsync": "true"}))

    assert [e["title"] for e in listed["items"]] == ["Standup"]
    after = ok_result(await api.get("/api/v1/calendar/cache/stats", headers=headers))["last_full_sync"]
    assert after is not None and after != before
