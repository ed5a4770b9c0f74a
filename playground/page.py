"""The browser side of the playground: the chat page and the JSON endpoints it calls (plain JSON, no envelope)."""

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from playground.emulator import BotApiEmulator, PlaygroundError, UnknownUserError
from playground.long_poll import unless_client_leaves

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {"playground.js": "text/javascript", "playground.css": "text/css"}
SAMPLE_VOICE = STATIC_DIR / "sample-voice.wav"
SAMPLE_VOICE_SECONDS = 2
LONG_POLL_SECONDS = 25.0


class NewUser(BaseModel):
    first_name: str = Field(min_length=1, max_length=64)
    language_code: Literal["ru", "en"] = "ru"


class BlockedState(BaseModel):
    blocked: bool


class TextMessage(BaseModel):
    text: str = Field(min_length=1, max_length=4096)


class LocationMessage(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class ButtonPress(BaseModel):
    message_id: int
    callback_data: str


def _http_error(error: PlaygroundError) -> HTTPException:
    return HTTPException(status_code=404 if isinstance(error, UnknownUserError) else 400, detail=str(error))


def create_page_router(emulator: BotApiEmulator) -> APIRouter:
    """Routes relative to /playground."""
    router = APIRouter(include_in_schema=False)

    def chat_state(user_id: int, after_version: int) -> dict:
        try:
            user = emulator.get_user(user_id)
            messages = emulator.changed_messages(user_id, after_version)
        except PlaygroundError as error:
            raise _http_error(error) from error
        return {
            "version": emulator.version,
            "user": user,
            "messages": messages,
            **emulator.chat_status(user_id, after_version),
        }

    @router.get("")
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "playground.html", media_type="text/html")

    @router.get("/static/{name}")
    async def static_file(name: str) -> FileResponse:
        if name not in STATIC_FILES:
            raise HTTPException(status_code=404)
        return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name])

    @router.get("/api/users")
    async def list_users() -> dict:
        return {"users": emulator.list_users()}

    @router.post("/api/users", status_code=201)
    async def create_user(body: NewUser) -> dict:
        return emulator.create_user(body.first_name, body.language_code)

    @router.post("/api/users/{user_id}/blocked")
    async def set_blocked(user_id: int, body: BlockedState) -> dict:
        try:
            return emulator.set_blocked(user_id, body.blocked)
        except PlaygroundError as error:
            raise _http_error(error) from error

    @router.get("/api/chats/{user_id}/messages")
    async def chat_history(user_id: int) -> dict:
        return chat_state(user_id, after_version=0)

    @router.get("/api/chats/{user_id}/updates")
    async def chat_updates(
        request: Request,
        user_id: int,
        after: Annotated[int, Query(ge=0)],
        timeout: Annotated[float, Query(ge=0, le=LONG_POLL_SECONDS)] = LONG_POLL_SECONDS,
    ) -> dict:
        chat_state(user_id, after)  # 404 before waiting
        status_flips_in = emulator.seconds_until_status_changes(user_id)
        await unless_client_leaves(request, emulator.wait_for_change(after, min(timeout, status_flips_in or timeout)))
        return chat_state(user_id, after)

    @router.post("/api/chats/{user_id}/text")
    async def send_text(user_id: int, body: TextMessage) -> dict:
        try:
            return emulator.user_sends_text(user_id, body.text)
        except PlaygroundError as error:
            raise _http_error(error) from error

    @router.post("/api/chats/{user_id}/location")
    async def send_location(user_id: int, body: LocationMessage) -> dict:
        try:
            return emulator.user_sends_location(user_id, body.latitude, body.longitude)
        except PlaygroundError as error:
            raise _http_error(error) from error

    @router.post("/api/chats/{user_id}/photo")
    async def send_photo(
        user_id: int, photo: Annotated[UploadFile, File()], caption: Annotated[str | None, Form()] = None
    ) -> dict:
        try:
            return emulator.user_sends_photo(user_id, await photo.read(), caption or None)
        except PlaygroundError as error:
            raise _http_error(error) from error

    @router.post("/api/chats/{user_id}/voice")
    async def send_voice_sample(user_id: int) -> dict:
        """The page's 🎙 button: the bundled two-second sample as a voice note (the page records nothing)."""
        try:
            return emulator.user_sends_voice(user_id, SAMPLE_VOICE.read_bytes(), SAMPLE_VOICE_SECONDS,
                                             mime_type="audio/wav")
        except PlaygroundError as error:
            raise _http_error(error) from error

    @router.post("/api/chats/{user_id}/buttons")
    async def press_button(user_id: int, body: ButtonPress) -> dict:
        try:
            return {"callback_query_id": emulator.user_presses_button(user_id, body.message_id, body.callback_data)}
        except PlaygroundError as error:
            raise _http_error(error) from error

    @router.get("/api/files/{file_id}")
    async def file_content(file_id: str) -> Response:
        record = emulator.file_record(file_id)
        if record is None:
            raise HTTPException(status_code=404, detail="unknown file")
        headers = {"Cache-Control": "private, max-age=86400"}
        if record["file_name"]:
            headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(record['file_name'], safe='')}"
        return Response(emulator.file_bytes(file_id), media_type=record["mime_type"], headers=headers)

    return router
