"""A fake Google (OAuth 2.0 + Calendar v3) speaking the real REST shapes, for google-auth-oauthlib and
googleapiclient to talk to over real HTTP on 127.0.0.1.

OAuth: /o/oauth2/auth (consent: redirects back with code+state, or error=access_denied), /token
(authorization_code with PKCE S256 verification, refresh_token), /revoke.
Calendar: users/me/calendarList, calendars/{id}/events list (pageToken, syncToken → nextSyncToken, 410 for an
invalidated token), insert/get/patch/put/delete, events/watch, channels/stop, freeBusy.
Test helpers act "as the person in Google's UI": move_event, delete_event, add_event; plus expire_access_tokens
and invalidate_sync_tokens.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

ACCESS_TOKEN_SECONDS = 3599


def _error(status: int, reason: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message,
                                   "errors": [{"domain": "global", "reason": reason, "message": message}]}},
                        status_code=status)


def _oauth_error(error: str, description: str = "", status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeGoogle:
    def __init__(self, client_id: str, client_secret: str, *, email: str = "person@example.com",
                 page_size: int = 2) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.email = email
        self.page_size = page_size
        self.deny_consent = False
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, str | None] = {}  # token → its refresh token
        self.refresh_tokens: set[str] = set()
        self.revoked: list[str] = []
        self.events: dict[str, dict[str, Any]] = {}  # id → event (primary calendar only)
        self.seq = itertools.count(1)
        self.current_seq = 0
        self.oldest_valid_sync = 0
        self.channels: dict[str, dict[str, Any]] = {}
        self.stopped_channels: list[str] = []
        self.calls: Counter[str] = Counter()
        self.app = self._build()

    # helpers for tests ----------------------------------------------------------------------------------------
    def _bump(self, event: dict[str, Any]) -> None:
        self.current_seq = next(self.seq)
        event["_seq"] = self.current_seq
        event["updated"] = _now_rfc3339()
        event["etag"] = f'"{self.current_seq}"'

    def add_event(self, summary: str, start: datetime, end: datetime, **extra: Any) -> dict[str, Any]:
        event = {"kind": "calendar#event", "id": secrets.token_hex(10), "status": "confirmed", "summary": summary,
                 "start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}, **extra}
        self._bump(event)
        self.events[event["id"]] = event
        return event

    def move_event(self, event_id: str, start: datetime, end: datetime) -> None:
        event = self.events[event_id]
        event["start"] = {"dateTime": start.isoformat()}
        event["end"] = {"dateTime": end.isoformat()}
        self._bump(event)

    def delete_event(self, event_id: str) -> None:
        event = self.events[event_id]
        event["status"] = "cancelled"
        self._bump(event)

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def invalidate_sync_tokens(self) -> None:
        self.oldest_valid_sync = self.current_seq

    def live_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if e["status"] != "cancelled"]

    def _public(self, event: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if not k.startswith("_")}

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.access_tokens

    def _calendar(self, calendar_id: str) -> bool:
        return calendar_id in ("primary", self.email)

    def _issue(self, refresh_token: str | None) -> str:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens[token] = refresh_token
        return token

    def client_code(self, redirect_uri: str, *, offline: bool = True) -> str:
        """A code a client app obtained through its own consent screen, without PKCE (seed 000's /calendar/code)."""
        code = "4/" + secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": None, "redirect_uri": redirect_uri,
                            "scope": "https://www.googleapis.com/auth/calendar", "offline": offline}
        return code

    # the ASGI app ---------------------------------------------------------------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI()
        fake = self

        @app.middleware("http")
        async def count_and_authorize(request: Request, call_next):
            path = request.url.path
            if path.startswith("/calendar/v3/"):
                fake.calls[f"{request.method} {path}"] += 1
                if not fake._authorized(request):
                    return _error(401, "authError", "Invalid Credentials")
            return await call_next(request)

        @app.get("/o/oauth2/auth")
        async def consent(request: Request):
            q = request.query_params
            if q.get("client_id") != fake.client_id or q.get("response_type") != "code":
                return _oauth_error("invalid_request", "bad client or response type")
            redirect, state = q["redirect_uri"], q.get("state", "")
            if fake.deny_consent:
                return RedirectResponse(f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}")
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                return _oauth_error("invalid_request", "PKCE S256 is required")
            code = "4/" + secrets.token_urlsafe(16)
            fake.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect,
                                "scope": q.get("scope", ""), "offline": q.get("access_type") == "offline"}
            return RedirectResponse(f"{redirect}?{urlencode({'code': code, 'state': state, 'scope': q.get('scope', '')})}")

        @app.post("/token")
        async def token(request: Request):
            form = dict(await request.form())
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            auth = request.headers.get("authorization", "")
            if auth.startswith("Basic "):
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            if client_id != fake.client_id or client_secret != fake.client_secret:
                return _oauth_error("invalid_client", "Unauthorized", 401)
            grant = form.get("grant_type")
            if grant == "authorization_code":
                entry = fake.codes.pop(form.get("code", ""), None)
                if entry is None or entry["redirect_uri"] != form.get("redirect_uri"):
                    return _oauth_error("invalid_grant", "Malformed auth code.")
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                if entry["challenge"] is not None and challenge != entry["challenge"]:
                    return _oauth_error("invalid_grant", "Invalid code verifier.")
                refresh = "1//" + secrets.token_urlsafe(24) if entry["offline"] else None
                if refresh:
                    fake.refresh_tokens.add(refresh)
                body = {"access_token": fake._issue(refresh), "expires_in": ACCESS_TOKEN_SECONDS,
                        "scope": entry["scope"], "token_type": "Bearer"}
                if refresh:
                    body["refresh_token"] = refresh
                return JSONResponse(body)
            if grant == "refresh_token":
                refresh = form.get("refresh_token", "")
                if refresh not in fake.refresh_tokens:
                    return _oauth_error("invalid_grant", "Token has been expired or revoked.")
                fake.calls["refresh"] += 1
                return JSONResponse({"access_token": fake._issue(refresh), "expires_in": ACCESS_TOKEN_SECONDS,
                                     "scope": "https://www.googleapis.com/auth/calendar", "token_type": "Bearer"})
            return _oauth_error("unsupported_grant_type")

        @app.post("/revoke")
        async def revoke(request: Request):
            form = dict(await request.form())
            token = form.get("token") or request.query_params.get("token", "")
            if token in fake.refresh_tokens:
                fake.refresh_tokens.discard(token)
                for access, refresh in list(fake.access_tokens.items()):
                    if refresh == token:
                        del fake.access_tokens[access]
            elif token in fake.access_tokens:
                del fake.access_tokens[token]
            else:
                return _oauth_error("invalid_token", "Token expired or revoked")
            fake.revoked.append(token)
            return Response(status_code=200)

        @app.get("/calendar/v3/users/me/calendarList")
        async def calendar_list():
            return {"kind": "calendar#calendarList", "etag": '"1"', "items": [
                {"kind": "calendar#calendarListEntry", "id": fake.email, "summary": fake.email,
                 "timeZone": "Europe/Berlin", "accessRole": "owner", "primary": True, "selected": True},
                {"kind": "calendar#calendarListEntry", "id": "team@group.calendar.google.com", "summary": "Team",
                 "timeZone": "Europe/Berlin", "accessRole": "reader", "selected": True},
            ]}

        @app.get("/calendar/v3/calendars/{calendar_id}/events")
        async def list_events(calendar_id: str, request: Request):
            if not fake._calendar(calendar_id):
                return _error(404, "notFound", "Not Found")
            q = request.query_params
            page_token, sync_token = q.get("pageToken"), q.get("syncToken")
            if page_token:
                offset_text, since_text, snapshot_text = page_token.split(":")
                offset, since, snapshot = int(offset_text), int(since_text), int(snapshot_text)
            else:
                offset, snapshot = 0, fake.current_seq
                if sync_token:
                    since = int(sync_token.removeprefix("sync-"))
                    if since < fake.oldest_valid_sync:
                        return _error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
                else:
                    since = -1
            if since >= 0:
                chosen = [e for e in fake.events.values() if since < e["_seq"] <= snapshot]
            else:
                chosen = [e for e in fake.events.values() if e["status"] != "cancelled" and e["_seq"] <= snapshot]
            chosen.sort(key=lambda e: e["_seq"])
            size = min(int(q.get("maxResults", 250)), fake.page_size)
            page = chosen[offset:offset + size]
            body: dict[str, Any] = {"kind": "calendar#events", "summary": fake.email, "timeZone": "Europe/Berlin",
                                    "items": [fake._public(e) for e in page]}
            if offset + size < len(chosen):
                body["nextPageToken"] = f"{offset + size}:{since}:{snapshot}"
            else:
                body["nextSyncToken"] = f"sync-{snapshot}"
            return body

        @app.post("/calendar/v3/calendars/{calendar_id}/events/watch")
        async def watch(calendar_id: str, request: Request):
            body = await request.json()
            ttl = int(body.get("params", {}).get("ttl", 604800))
            expiration = int(datetime.now(UTC).timestamp() * 1000) + ttl * 1000
            channel = {"kind": "api#channel", "id": body["id"], "resourceId": "res-" + secrets.token_hex(6),
                       "resourceUri": f"https://www.googleapis.com/calendar/v3/calendars/{calendar_id}/events",
                       "token": body.get("token"), "expiration": str(expiration), "address": body["address"]}
            fake.channels[body["id"]] = channel
            return channel

        @app.post("/calendar/v3/channels/stop")
        async def stop(request: Request):
            body = await request.json()
            channel = fake.channels.pop(body.get("id"), None)
            if channel is None or channel["resourceId"] != body.get("resourceId"):
                return _error(404, "notFound", "Channel not found")
            fake.stopped_channels.append(body["id"])
            return Response(status_code=204)

        @app.post("/calendar/v3/calendars/{calendar_id}/events")
        async def insert(calendar_id: str, request: Request):
            body = await request.json()
            if not fake._calendar(calendar_id) or "start" not in body or "end" not in body:
                return _error(400, "required", "Missing start or end")
            event = {"kind": "calendar#event", "id": secrets.token_hex(10), "status": "confirmed", **body}
            fake._bump(event)
            fake.events[event["id"]] = event
            return fake._public(event)

        @app.get("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
        async def get_event(calendar_id: str, event_id: str):
            event = fake.events.get(event_id)
            if event is None or not fake._calendar(calendar_id):
                return _error(404, "notFound", "Not Found")
            return fake._public(event)

        @app.api_route("/calendar/v3/calendars/{calendar_id}/events/{event_id}", methods=["PATCH", "PUT"])
        async def patch_event(calendar_id: str, event_id: str, request: Request):
            event = fake.events.get(event_id)
            if event is None or event["status"] == "cancelled" or not fake._calendar(calendar_id):
                return _error(404, "notFound", "Not Found")
            event.update(await request.json())
            fake._bump(event)
            return fake._public(event)

        @app.delete("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
        async def delete_event(calendar_id: str, event_id: str):
            event = fake.events.get(event_id)
            if event is None or not fake._calendar(calendar_id):
                return _error(404, "notFound", "Not Found")
            if event["status"] == "cancelled":
                return _error(410, "deleted", "Resource has been deleted")
            fake.delete_event(event_id)
            return Response(status_code=204)

        @app.post("/calendar/v3/freeBusy")
        async def free_busy(request: Request):
            body = await request.json()
            low = datetime.fromisoformat(body["timeMin"])
            high = datetime.fromisoformat(body["timeMax"])
            calendars = {}
            for item in body.get("items", []):
                busy = []
                for event in sorted(fake.live_events(), key=lambda e: e["start"].get("dateTime", "")):
                    if "dateTime" not in event["start"] or event.get("transparency") == "transparent":
                        continue
                    start = datetime.fromisoformat(event["start"]["dateTime"])
                    end = datetime.fromisoformat(event["end"]["dateTime"])
                    if start < high and end > low:
                        busy.append({"start": max(start, low).astimezone(UTC).isoformat(),
                                     "end": min(end, high).astimezone(UTC).isoformat()})
                calendars[item["id"]] = {"busy": busy}
            return {"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                    "calendars": calendars}

        return app
