"""Connecting Google Calendar: a one-time link from the bot → our start page → Google consent (offline access,
calendar scope, PKCE) → our callback. The state is bound to the user and to the browser that opened the link,
single-use and expiring; the PKCE verifier never leaves the server."""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core.clock import Clock
from core.config import Settings
from core.db.engine import Database
from core.db.models import User
from core.db.models.calendar import GoogleConnection, GoogleOAuthRequest
from core.errors import BadRequest, Conflict
from core.repositories.calendar import CalendarRepository
from core.security import constant_time_equals, new_token, sha256_hex
from core.services.calendar.google_sync import CALENDAR_SCOPE, GoogleApi, TokenCipher
from core.services.calendar.notifications import record_notification

if TYPE_CHECKING:
    from google_auth_oauthlib.flow import Flow

log = logging.getLogger("mechta.calendar.oauth")

CALLBACK_PATH = "/api/v1/google/callback"
START_PATH = "/api/v1/google/start"
REVOKE_TIMEOUT_SECONDS = 10


class OAuthPageError(Exception):
    """A connect attempt that ends on an explanatory page instead of a connection. Nothing is stored."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # link_invalid | link_used | link_expired | state_invalid | state_used | state_expired
        #                   | state_foreign | denied | exchange_failed | not_configured


@dataclass(frozen=True)
class ConnectStart:
    authorization_url: str
    browser_key: str
    expires_at: datetime


def google_not_configured() -> Conflict:
    return Conflict("GOOGLE_NOT_CONFIGURED", "Google Calendar is not set up on this server; use the Mechta calendar.")


class GoogleOAuth:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cipher: TokenCipher, api: GoogleApi) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.cipher = cipher
        self.api = api

    @property
    def configured(self) -> bool:
        return bool(self.settings.google_client_id and self.settings.google_client_secret.get_secret_value())

    @property
    def redirect_uri(self) -> str:
        return self.settings.effective_public_base_url + CALLBACK_PATH

    def _flow(self, code_verifier: str | None = None, *, redirect_uri: str | None = None, pkce: bool = True) -> Flow:
        from google_auth_oauthlib.flow import Flow  # imported on first use, like the rest of Google's client

        config = {"web": {
            "client_id": self.settings.google_client_id,
            "client_secret": self.settings.google_client_secret.get_secret_value(),
            "auth_uri": self.settings.google_auth_uri, "token_uri": self.settings.google_token_uri,
            "redirect_uris": [self.redirect_uri]}}
        return Flow.from_client_config(config, scopes=[CALENDAR_SCOPE], redirect_uri=redirect_uri or self.redirect_uri,
                                       code_verifier=code_verifier, autogenerate_code_verifier=pkce)

    async def connect_link(self, user: User) -> tuple[str, datetime]:
        """A one-time link the bot sends; opening it starts the Google consent."""
        if not self.configured:
            raise google_not_configured()
        token = new_token(32)
        expires_at = self.clock.now() + timedelta(minutes=self.settings.google_connect_link_ttl_minutes)
        async with self.db.transaction() as session:
            session.add(GoogleOAuthRequest(user_id=user.id, link_token_hash=sha256_hex(token),
                                           link_expires_at=expires_at, created_at=self.clock.now()))
        return f"{self.settings.effective_public_base_url}{START_PATH}?t={token}", expires_at

    async def start(self, link_token: str) -> ConnectStart:
        """Use up the link, create the state and PKCE verifier, and return Google's consent URL."""
        if not self.configured:
            raise OAuthPageError("not_configured")
        if not link_token or len(link_token) > 128:
            raise OAuthPageError("link_invalid")
        now = self.clock.now()
        flow = self._flow()
        state = new_token(32)
        url, _ = flow.authorization_url(access_type="offline", prompt="consent", state=state)
        browser_key = new_token(24)
        expires_at = now + timedelta(minutes=self.settings.google_oauth_state_ttl_minutes)
        async with self.db.transaction() as session:
            request = await CalendarRepository(session).oauth_request_by_link(sha256_hex(link_token))
            if request is None:
                raise OAuthPageError("link_invalid")
            if request.link_used_at is not None:
                raise OAuthPageError("link_used")
            if request.link_expires_at <= now:
                raise OAuthPageError("link_expired")
            request.link_used_at = now
            request.state = state
            request.state_expires_at = expires_at
            request.code_verifier = flow.code_verifier
            request.browser_key_hash = sha256_hex(browser_key)
        return ConnectStart(url, browser_key, expires_at)

    async def callback(self, *, state: str | None, code: str | None, error: str | None,
                       browser_key: str | None) -> tuple[GoogleConnection, bool]:
        """Finish the consent: check the state (once), exchange the code with the stored verifier, store the
        encrypted tokens. Returns (connection, created)."""
        if not state or len(state) > 128:
            raise OAuthPageError("state_invalid")
        now = self.clock.now()
        async with self.db.transaction() as session:
            request = await CalendarRepository(session).oauth_request_by_state(state)
            if request is None:
                raise OAuthPageError("state_invalid")
            if request.completed_at is not None:
                raise OAuthPageError("state_used")
            request.completed_at = now  # single use, whatever happens next
            problem = None
            if request.state_expires_at is None or request.state_expires_at <= now:
                problem = "state_expired"
            elif not browser_key or not constant_time_equals(sha256_hex(browser_key), request.browser_key_hash or ""):
                problem = "state_foreign"
            user_id, verifier = request.user_id, request.code_verifier
        if problem:
            raise OAuthPageError(problem)
        if error:
            raise OAuthPageError("denied")
        if not code or len(code) > 2048:
            raise OAuthPageError("state_invalid")
        flow = self._flow(code_verifier=verifier)
        try:
            await asyncio.to_thread(flow.fetch_token, code=code)
        except Exception as exc:
            log.warning("Google code exchange failed for user %s: %s", user_id, exc)
            raise OAuthPageError("exchange_failed") from exc
        return await self._store_tokens(user_id, flow.credentials)

    async def exchange_code(self, user: User, code: str, redirect_uri: str | None = None
                            ) -> tuple[GoogleConnection, bool]:
        """Seed 000's POST /calendar/code: a client that ran Google's consent itself (with this server's client id)
        hands over the authorization code. No PKCE verifier exists for such a code; `redirect_uri` must be the one
        the client used: this server's callback (the default) or Google's "postmessage" for popup sign-ins."""
        if not self.configured:
            raise google_not_configured()
        if redirect_uri not in (None, self.redirect_uri, "postmessage"):
            raise BadRequest("GOOGLE_REDIRECT_URI_INVALID", "Use this server's callback URL or \"postmessage\".",
                             fields={"redirect_uri": [f"Expected {self.redirect_uri} or postmessage"]})
        flow = self._flow(redirect_uri=redirect_uri, pkce=False)
        try:
            await asyncio.to_thread(flow.fetch_token, code=code)
        except Exception as exc:
            log.warning("Google code exchange (POST /calendar/code) failed for user %s: %s", user.id,
                        type(exc).__name__)
            raise BadRequest("GOOGLE_CODE_INVALID",
                             "Google did not accept this authorization code; sign in with Google again.") from exc
        return await self._store_tokens(user.id, flow.credentials)

    async def _store_tokens(self, user_id: uuid.UUID, creds) -> tuple[GoogleConnection, bool]:
        now = self.clock.now()
        email = await self._primary_calendar_id(creds)
        lifetime = (creds.expiry.replace(tzinfo=UTC) - datetime.now(UTC)) if creds.expiry else None
        async with self.db.transaction() as session:
            repo = CalendarRepository(session)
            connection = await repo.connection(user_id, for_update=True)
            created = connection is None
            if connection is None:
                connection = GoogleConnection(user_id=user_id, access_token_enc="")
                session.add(connection)
            connection.access_token_enc = self.cipher.encrypt(creds.token)
            if creds.refresh_token:
                connection.refresh_token_enc = self.cipher.encrypt(creds.refresh_token)
            connection.token_expires_at = now + lifetime if lifetime else None
            connection.scopes = " ".join(creds.scopes or [CALENDAR_SCOPE])[:1000]
            connection.google_email = email
            connection.connected_at = now
            connection.sync_token = None
            record_notification(session, user_id, "google_connected", {"google_email": email}, now)
        return connection, created

    async def _primary_calendar_id(self, creds) -> str | None:
        """The primary calendar's id is the account's address; a failure here does not block connecting."""
        try:
            calendars = await asyncio.to_thread(self.api.calendar_list, creds)
        except Exception as exc:
            log.info("could not read the calendar list after connecting: %s", exc)
            return None
        primary = next((c for c in calendars if c.get("primary")), None)
        return (primary or {}).get("id")

    async def revoke(self, token: str) -> bool:
        """Ask Google to revoke the grant; an unreachable Google does not keep us from forgetting the tokens."""
        import httpx  # on first use: most processes never revoke a grant

        try:
            async with httpx.AsyncClient(timeout=REVOKE_TIMEOUT_SECONDS) as client:
                response = await client.post(self.settings.google_revoke_uri, data={"token": token})
            return response.status_code == 200
        except httpx.HTTPError as exc:
            log.warning("Google revoke failed: %s", exc)
            return False

