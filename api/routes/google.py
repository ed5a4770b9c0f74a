"""Google Calendar connection: a one-time link for the bot, the start page that sends the browser to Google,
the OAuth callback page (keep its path: it is registered at Google), status, token refresh and revoke."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter, Cookie, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.schemas.calendar import ConnectLinkOut, GoogleStatusOut, TokenRefreshOut
from core.errors import Conflict
from core.services.calendar.google_oauth import OAuthPageError

router = APIRouter(prefix="/google", tags=["google"], route_class=EdgeRoute)

BROWSER_COOKIE = "mechta_google_connect"
COOKIE_PATH = "/api/v1/google"

_PAGES = {
    "connected": (200, "Google Calendar is connected", "All set. Go back to Telegram — Mechta will confirm there."),
    "link_invalid": (404, "This link does not work",
                     "Open the calendar menu in Telegram and ask for a new “Connect Google Calendar” link."),
    "link_used": (410, "This link was already used",
                  "Each link works once. Ask the bot for a new one if you still want to connect."),
    "link_expired": (410, "This link has expired", "Ask the bot in Telegram for a new link."),
    "state_invalid": (400, "This sign-in cannot be finished", "Start again from the link the bot sends you."),
    "state_used": (400, "This sign-in was already finished", "Nothing else to do here; go back to Telegram."),
    "state_expired": (400, "This sign-in took too long", "Ask the bot for a new link and finish within 10 minutes."),
    "state_foreign": (400, "This sign-in was started in another browser",
                      "Open the bot's link in this browser and finish the sign-in here."),
    "denied": (200, "Google Calendar was not connected",
               "You did not allow access, so nothing was stored. You can keep using the Mechta calendar."),
    "exchange_failed": (502, "Google did not confirm the sign-in", "Nothing was stored. Ask the bot for a new link."),
    "not_configured": (404, "Google Calendar is not available here", "This server uses the Mechta calendar."),
}


# The browser pages answer in HTML, with the status of what happened.
_PAGE_RESPONSES: dict[int | str, dict] = {
    status: {"description": " / ".join(title for s, title, _ in _PAGES.values() if s == status),
             "content": {"text/html": {"schema": {"type": "string"}}}}
    for status in sorted({status for status, _, _ in _PAGES.values()})
}


def _page(kind: str) -> HTMLResponse:
    status, title, text = _PAGES[kind]
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<style>body{{font:17px system-ui,sans-serif;max-width:520px;margin:15vh auto;padding:0 20px;color:#1f2328}}</style>
</head><body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"""
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                               "Referrer-Policy": "no-referrer"})


@router.post("/connect-link", response_model=Envelope[ConnectLinkOut],
             summary="A one-time link that connects Google Calendar (the bot sends it)")
async def connect_link(user: CurrentUser, container: ContainerDep) -> Envelope:
    url, expires_at = await container.calendar.oauth.connect_link(user)
    return Envelope.success(ConnectLinkOut(url=url, expires_at=expires_at))


@router.get("/start", response_class=HTMLResponse, include_in_schema=True,
            responses={**_PAGE_RESPONSES, 302: {"description": "To Google's consent page (sets a browser cookie)"}},
            summary="Opened from the one-time link: redirects to Google's consent page")
async def start(container: ContainerDep, t: str = Query("", max_length=128)):
    try:
        begun = await container.calendar.oauth.start(t)
    except OAuthPageError as exc:
        return _page(exc.kind)
    response = RedirectResponse(begun.authorization_url, status_code=302,
                                headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    max_age = int((begun.expires_at - container.clock.now()).total_seconds())
    response.set_cookie(BROWSER_COOKIE, begun.browser_key, max_age=max(max_age, 1), path=COOKIE_PATH,
                        httponly=True, samesite="lax",
                        secure=container.settings.effective_public_base_url.startswith("https://"))
    return response


@router.get("/callback", response_class=HTMLResponse, responses=_PAGE_RESPONSES,
            summary="Google's OAuth redirect (shows a result page)")
async def callback(container: ContainerDep, state: str | None = Query(None, max_length=256),
                   code: str | None = Query(None, max_length=4096), error: str | None = Query(None, max_length=200),
                   browser_key: str | None = Cookie(None, alias=BROWSER_COOKIE)):
    try:
        await container.calendar.google.finish_connect(state=state, code=code, error=error, browser_key=browser_key)
        response = _page("connected")
    except OAuthPageError as exc:
        response = _page(exc.kind)
    response.delete_cookie(BROWSER_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/status", response_model=Envelope[GoogleStatusOut], summary="Is a Google calendar connected?")
async def status(user: CurrentUser, container: ContainerDep) -> Envelope:
    connection = await container.calendar.google.connection(user)
    configured = container.calendar.providers.google_configured
    if connection is None:
        return Envelope.success(GoogleStatusOut(configured=configured, connected=False))
    return Envelope.success(GoogleStatusOut(
        configured=configured, connected=True, google_email=connection.google_email,
        token_expires_at=connection.token_expires_at, connected_at=connection.connected_at,
        last_sync=connection.last_sync_at))


@router.post("/refresh", response_model=Envelope[TokenRefreshOut], summary="Refresh the Google access token now")
async def refresh(user: CurrentUser, container: ContainerDep) -> Envelope:
    expires_at = await container.calendar.google.refresh_token(user)
    return Envelope.success(TokenRefreshOut(token_expires_at=expires_at, message="Google access refreshed."))


@router.post("/revoke", response_model=Envelope[Success],
             summary="Disconnect Google: revoke at Google, delete tokens, channels and cached events")
async def revoke(user: CurrentUser, container: ContainerDep) -> Envelope:
    if not await container.calendar.google.disconnect(user):
        raise Conflict("GOOGLE_NOT_CONNECTED", "Google Calendar is not connected.")
    return Envelope.success(Success())
