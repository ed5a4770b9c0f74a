"""Google tests: a fake Google on 127.0.0.1 and settings pointing the real OAuth and API clients at it."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core.config import Settings
from tests.fakes.google_server import FakeGoogle
from tests.utils.asgi_server import serve_asgi

CLIENT_ID = "mechta-test.apps.googleusercontent.com"
CLIENT_SECRET = "fake-secret"


@pytest.fixture
async def fake_google(monkeypatch):
    # oauthlib refuses plain http unless told otherwise; only these tests talk to a local http "Google".
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    google = FakeGoogle(CLIENT_ID, CLIENT_SECRET)
    async with serve_asgi(google.app) as base_url:
        google.base_url = base_url
        yield google


@pytest.fixture
def settings(settings: Settings, fake_google: FakeGoogle) -> Settings:
    base = fake_google.base_url
    return settings.model_copy(update={
        "google_client_id": CLIENT_ID, "google_client_secret": CLIENT_SECRET,
        "google_api_url": base, "google_auth_uri": f"{base}/o/oauth2/auth", "google_token_uri": f"{base}/token",
        "google_revoke_uri": f"{base}/revoke", "public_base_url": "http://testserver",
        "calendar_sync_debounce_seconds": 5,
    })


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def connect(api, container, headers, fake_google) -> dict[str, str]:
    """Run the whole consent flow like a browser would; returns the callback's query."""
    import httpx

    link = (await api.post("/api/v1/google/connect-link", headers=headers)).json()["result"]["url"]
    start = await api.get(link[link.index("/api/v1/"):])
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:
        consent = await browser.get(start.headers["location"])
    assert consent.status_code in (302, 307), consent.text
    callback = consent.headers["location"]
    page = await api.get(callback[callback.index("/api/v1/"):])
    return {"status": page.status_code, "text": page.text, **query(callback)}
