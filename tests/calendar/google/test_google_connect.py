"""Connecting Google Calendar through the fake Google with the real google-auth-oauthlib flow."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from core.db.models import CalendarNotification, GoogleConnection, GoogleOAuthRequest
from tests.calendar.conftest import BERLIN_FIELDS
from tests.calendar.google.conftest import connect, query
from tests.helpers import error_of, ok_result, signed_in


async def connection_of(container, user_id):
    async with container.db.read() as session:
        return (await session.scalars(select(GoogleConnection).where(GoogleConnection.user_id == user_id))).first()


async def test_whole_flow_stores_encrypted_tokens_and_tells_the_bot(api, container, fake_google, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    heard = []

    async def listener(user_id):
        heard.append(user_id)

    container.calendar.google.on_connected.append(listener)
    result = await connect(api, container, headers, fake_google)
    assert result["status"] == 200 and "Go back to Telegram" in result["text"]

    connection = await connection_of(container, user.id)
    assert connection.google_email == "person@example.com"
    refresh = next(iter(fake_google.refresh_tokens))
    assert refresh not in connection.refresh_token_enc and container.calendar.cipher.decrypt(
        connection.refresh_token_enc) == refresh
    assert heard == [user.id]
    pending = await container.calendar.notifications.pending(user_id=user.id)
    assert [n.kind for n in pending] == ["google_connected"]

    status = ok_result(await api.get("/api/v1/calendar/status", headers=headers))
    assert status["provider"] == "google" and status["google_email"] == "person@example.com"
    calendars = ok_result(await api.get("/api/v1/calendar/calendars", headers=headers))
    assert [c["primary"] for c in calendars["calendars"]] == [True, False]


async def test_reused_state_and_a_state_from_another_browser_are_refused(api, container, fake_google, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    link = ok_result(await api.post("/api/v1/google/connect-link", headers=headers))["url"]
    start = await api.get(link[link.index("/api/v1/"):])
    async with httpx.AsyncClient() as browser:
        callback = (await browser.get(start.headers["location"])).headers["location"]
    path = callback[callback.index("/api/v1/"):]

    # Same state and code, but opened in a browser without the cookie the start page set.
    async with httpx.AsyncClient(transport=api._transport, base_url="http://testserver") as stranger:
        foreign = await stranger.get(path)
    assert foreign.status_code == 400 and "another browser" in foreign.text
    reused = await api.get(path)
    assert reused.status_code == 400 and "already finished" in reused.text
    assert await connection_of(container, user.id) is None

    again = await api.get(link[link.index("/api/v1/"):])
    assert again.status_code == 410 and "already used" in again.text


async def test_wrong_pkce_verifier_is_rejected_by_google_and_nothing_is_stored(api, container, fake_google,
                                                                               monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    link = ok_result(await api.post("/api/v1/google/connect-link", headers=headers))["url"]
    start = await api.get(link[link.index("/api/v1/"):])
    async with container.db.transaction() as session:
        request = (await session.scalars(select(GoogleOAuthRequest))).one()
        request.code_verifier = "x" * 64  # not the verifier whose challenge Google saw
    async with httpx.AsyncClient() as browser:
        callback = (await browser.get(start.headers["location"])).headers["location"]
    page = await api.get(callback[callback.index("/api/v1/"):])
    assert page.status_code == 502 and "Nothing was stored" in page.text
    assert await connection_of(container, user.id) is None


async def test_denied_consent_and_expired_link_show_clear_pages(api, container, fake_google, monday_clock):
    user, headers = await signed_in(container, **BERLIN_FIELDS)
    fake_google.deny_consent = True
    result = await connect(api, container, headers, fake_google)
    assert result["error"] == "access_denied"
    assert result["status"] == 200 and "did not allow access" in result["text"]
    assert await connection_of(container, user.id) is None

    link = ok_result(await api.post("/api/v1/google/connect-link", headers=headers))["url"]
    monday_clock.advance(minutes=31)
    expired = await api.get(link[link.index("/api/v1/"):])
    assert expired.status_code == 410 and "expired" in expired.text
    unknown = await api.get("/api/v1/google/start?t=nonsense")
    assert unknown.status_code == 404
    async with container.db.read() as session:
        assert (await session.scalars(select(CalendarNotification))).first() is None


async def test_start_page_redirects_with_state_pkce_and_offline_access(api, container, fake_google, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    link = ok_result(await api.post("/api/v1/google/connect-link", headers=headers))["url"]
    assert link.startswith("http://testserver/api/v1/google/start?t=")
    start = await api.get(link[link.index("/api/v1/"):])
    params = query(start.headers["location"])
    assert start.headers["location"].startswith(fake_google.base_url + "/o/oauth2/auth")
    assert params["access_type"] == "offline" and params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://testserver/api/v1/google/callback"
    assert params["scope"] == "https://www.googleapis.com/auth/calendar" and len(params["state"]) >= 32


async def test_revoke_without_connection_is_a_clear_error(api, container, fake_google, monday_clock):
    _, headers = await signed_in(container, **BERLIN_FIELDS)
    error_of(await api.post("/api/v1/google/revoke", headers=headers), 409, "GOOGLE_NOT_CONNECTED")
    status = ok_result(await api.get("/api/v1/google/status", headers=headers))
    assert status == {"configured": True, "connected": False, "google_email": None, "token_expires_at": None,
                      "connected_at": None, "last_sync": None}
