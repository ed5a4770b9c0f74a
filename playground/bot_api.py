"""The Bot API wire protocol over the emulator: `{base}/bot{token}/{method}` and `{base}/file/bot{token}/{path}`.

Parameters arrive as a query string, a urlencoded or multipart form (aiogram always sends multipart, with
JSON-typed values as JSON strings and uploads as parts referenced by `attach://name`) or a JSON body.
"""

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from playground import validation
from playground.emulator import BotApiEmulator, BotApiError
from playground.long_poll import unless_client_leaves

_TOKEN = re.compile(r"(\d+):.+")
_RATE_LIMITED_METHODS = {
    "sendmessage",
    "sendphoto",
    "senddocument",
    "sendmediagroup",
    "editmessagetext",
    "editmessagecaption",
    "editmessagereplymarkup",
}
MEDIA_GROUP_SIZE = range(2, 11)


@dataclass(frozen=True)
class UploadedFile:
    data: bytes
    filename: str
    content_type: str | None


class Params:
    """One request's parameters, whichever way they were encoded."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def from_request(cls, request: Request) -> "Params":
        values: dict[str, Any] = dict(request.query_params)
        files: dict[str, UploadedFile] = {}
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = await request.body()
            if body:
                try:
                    parsed = json.loads(body)
                except ValueError as error:
                    raise BotApiError.bad_request("can't parse JSON request body") from error
                if not isinstance(parsed, dict):
                    raise BotApiError.bad_request("JSON request body must be an object")
                values.update(parsed)
        elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form()
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = UploadedFile(await value.read(), value.filename or key, value.content_type)
                else:
                    values[key] = value
        return cls(values, files)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str, *, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as error:
            raise BotApiError.bad_request(f"invalid {name} specified") from error

    def required_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise BotApiError.bad_request(f"{name} is empty")
        return value

    def chat_id(self) -> int | str:
        value = self.text("chat_id")
        if not value:
            raise BotApiError.bad_request("chat_id is empty")
        return int(value) if value.lstrip("-").isdigit() else value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in {"true", "1"}
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as error:
            raise BotApiError.bad_request(f"can't parse {name} JSON object") from error

    def input_file(self, reference: Any, field: str) -> UploadedFile | str:
        """An upload (by `attach://name` or as the field itself) or the file_id of a file sent before."""
        if isinstance(reference, str) and reference.startswith("attach://"):
            upload = self.files.get(reference.removeprefix("attach://"))
            if upload is None:
                raise BotApiError.bad_request(f"there is no {field} in the request")
            return upload
        if reference is None:
            if field in self.files:
                return self.files[field]
            raise BotApiError.bad_request(f"there is no {field} in the request")
        if not isinstance(reference, str) or not reference:
            raise BotApiError.bad_request(f"there is no {field} in the request")
        if reference.startswith(("http://", "https://")):
            raise BotApiError.bad_request("failed to get HTTP URL content (the playground does not fetch URLs)")
        return reference


Handler = Callable[[Params, int], Awaitable[Any]]


class BotApiMethods:
    """One coroutine per Bot API method; each returns the `result` or raises BotApiError."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator
        self.handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "sendmediagroup": self.send_media_group,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
            "sendchataction": self.send_chat_action,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "getwebhookinfo": self.get_webhook_info,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getfile": self.get_file,
            "getchat": self.get_chat,
        }

    async def call(self, method: str, params: Params, bot_id: int) -> Any:
        handler = self.handlers.get(method.lower())
        if handler is None:
            raise BotApiError(404, "Not Found")
        self.emulator.remember_bot(bot_id)
        if method.lower() in _RATE_LIMITED_METHODS:
            self.emulator.check_rate_limit()
        return await handler(params, bot_id)

    async def get_me(self, params: Params, bot_id: int) -> dict:
        return {
            **self.emulator.bot_user(bot_id),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def get_updates(self, params: Params, bot_id: int) -> list:
        limit = min(max(params.integer("limit", default=100), 1), 100)
        timeout = max(params.integer("timeout", default=0), 0)
        allowed = params.json("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise BotApiError.bad_request("can't parse allowed_updates JSON object")
        return await self.emulator.get_updates(params.integer("offset"), limit, timeout, allowed)

    def _reply_target(self, params: Params, chat_id: int | str) -> dict:
        reply = params.json("reply_parameters") or {}
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        message_id = message_id or params.integer("reply_to_message_id")
        if not message_id:
            return {}
        target = self.emulator.replied_message(chat_id, int(message_id))
        if target is not None:
            return {"reply_to_message": target}
        if reply.get("allow_sending_without_reply") or params.flag("allow_sending_without_reply"):
            return {}
        raise BotApiError.bad_request("message to be replied not found")

    def _markup_fields(self, params: Params) -> tuple[dict, dict | None]:
        """(fields to store on the message, the reply keyboard that stays with the chat)."""
        markup = validation.reply_markup(params.json("reply_markup"))
        if markup is not None and "inline_keyboard" in markup:
            return {"reply_markup": markup}, None
        return {}, markup

    def _caption_fields(self, caption: Any, parse_mode: Any, entities: Any) -> dict:
        text, parsed = validation.formatted_text(caption, parse_mode, entities, caption=True)
        fields: dict[str, Any] = {}
        if text:
            fields["caption"] = text
        if parsed:
            fields["caption_entities"] = parsed
        return fields

    def _send(self, bot_id: int, chat_id: int | str, contents: list[dict], chat_markup: dict | None) -> list[dict]:
        return self.emulator.send_bot_messages(bot_id, chat_id, contents, chat_markup=chat_markup)

    async def send_message(self, params: Params, bot_id: int) -> dict:
        chat_id = params.chat_id()
        self.emulator.writable_chat(chat_id)
        text, entities = validation.formatted_text(
            params.text("text"), params.text("parse_mode"), params.json("entities"), caption=False
        )
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        markup_fields, chat_markup = self._markup_fields(params)
        content.update(markup_fields)
        content.update(self._reply_target(params, chat_id))
        return self._send(bot_id, chat_id, [content], chat_markup)[0]

    async def _photo_content(self, reference: Any, params: Params) -> list[dict]:
        photo = params.input_file(reference, "photo")
        if isinstance(photo, UploadedFile):
            return self.emulator.store_photo(photo.data)
        return self.emulator.reused_photo(photo)

    async def _document_content(self, reference: Any, params: Params) -> dict:
        document = params.input_file(reference, "document")
        if isinstance(document, UploadedFile):
            return self.emulator.store_document(document.data, document.filename, document.content_type)
        return self.emulator.reused_document(document)

    async def send_photo(self, params: Params, bot_id: int) -> dict:
        chat_id = params.chat_id()
        self.emulator.writable_chat(chat_id)
        content = self._caption_fields(
            params.text("caption"), params.text("parse_mode"), params.json("caption_entities")
        )
        markup_fields, chat_markup = self._markup_fields(params)
        content.update(markup_fields)
        content.update(self._reply_target(params, chat_id))
        content["photo"] = await self._photo_content(params.text("photo"), params)
        return self._send(bot_id, chat_id, [content], chat_markup)[0]

    async def send_document(self, params: Params, bot_id: int) -> dict:
        chat_id = params.chat_id()
        self.emulator.writable_chat(chat_id)
        content = self._caption_fields(
            params.text("caption"), params.text("parse_mode"), params.json("caption_entities")
        )
        markup_fields, chat_markup = self._markup_fields(params)
        content.update(markup_fields)
        content.update(self._reply_target(params, chat_id))
        content["document"] = await self._document_content(params.text("document"), params)
        return self._send(bot_id, chat_id, [content], chat_markup)[0]

    async def send_media_group(self, params: Params, bot_id: int) -> list[dict]:
        chat_id = params.chat_id()
        self.emulator.writable_chat(chat_id)
        media = params.json("media")
        if not isinstance(media, list) or len(media) not in MEDIA_GROUP_SIZE:
            raise BotApiError.bad_request("media group must contain 2-10 items")
        reply = self._reply_target(params, chat_id)
        group_id = str(secrets.randbits(60))
        contents = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in {"photo", "document", "video", "audio"}:
                raise BotApiError.bad_request("can't parse InputMedia: unsupported media type")
            content = {"media_group_id": group_id, **reply}
            content.update(
                self._caption_fields(item.get("caption"), item.get("parse_mode"), item.get("caption_entities"))
            )
            if item["type"] == "photo":
                content["photo"] = await self._photo_content(item.get("media"), params)
            else:
                content["document"] = await self._document_content(item.get("media"), params)
            contents.append(content)
        return self._send(bot_id, chat_id, contents, None)

    def _edited_message_id(self, params: Params) -> tuple[int | str, int]:
        if params.text("inline_message_id"):
            raise BotApiError.bad_request("inline messages are not supported by the playground")
        return params.chat_id(), params.required_integer("message_id")

    async def edit_message_text(self, params: Params, bot_id: int) -> dict:
        chat_id, message_id = self._edited_message_id(params)
        text, entities = validation.formatted_text(
            params.text("text"), params.text("parse_mode"), params.json("entities"), caption=False
        )
        markup = validation.inline_markup(params.json("reply_markup"))
        changes = {"text": text, "entities": entities, "reply_markup": markup}
        return self.emulator.edit_bot_message(chat_id, message_id, changes, field="text")

    async def edit_message_caption(self, params: Params, bot_id: int) -> dict:
        chat_id, message_id = self._edited_message_id(params)
        caption = self._caption_fields(
            params.text("caption"), params.text("parse_mode"), params.json("caption_entities")
        )
        markup = validation.inline_markup(params.json("reply_markup"))
        changes = {"caption": None, "caption_entities": None, **caption, "reply_markup": markup}
        return self.emulator.edit_bot_message(chat_id, message_id, changes, field="caption")

    async def edit_message_reply_markup(self, params: Params, bot_id: int) -> dict:
        chat_id, message_id = self._edited_message_id(params)
        markup = validation.inline_markup(params.json("reply_markup"))
        return self.emulator.edit_bot_message(chat_id, message_id, {"reply_markup": markup}, field="reply_markup")

    async def delete_message(self, params: Params, bot_id: int) -> bool:
        self.emulator.delete_message(params.chat_id(), params.required_integer("message_id"))
        return True

    async def answer_callback_query(self, params: Params, bot_id: int) -> bool:
        text = params.text("text")
        if text is not None and len(text) > 200:
            raise BotApiError.bad_request("MESSAGE_TOO_LONG")
        query_id = params.text("callback_query_id") or ""
        self.emulator.answer_callback_query(query_id, text, params.flag("show_alert"), params.text("url"))
        return True

    async def send_chat_action(self, params: Params, bot_id: int) -> bool:
        chat_id = params.chat_id()
        action = params.text("action")
        if action not in validation.CHAT_ACTIONS:
            raise BotApiError.bad_request("wrong parameter action in request")
        self.emulator.set_chat_action(chat_id, action)
        return True

    @staticmethod
    def _commands_scope(params: Params) -> str:
        scope = params.json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + (params.text("language_code") or "")

    async def set_my_commands(self, params: Params, bot_id: int) -> bool:
        commands = validation.bot_commands(params.json("commands"))
        self.emulator.set_commands(self._commands_scope(params), commands)
        return True

    async def get_my_commands(self, params: Params, bot_id: int) -> list[dict]:
        return self.emulator.get_commands(self._commands_scope(params))

    async def delete_my_commands(self, params: Params, bot_id: int) -> bool:
        self.emulator.set_commands(self._commands_scope(params), [])
        return True

    async def get_webhook_info(self, params: Params, bot_id: int) -> dict:
        return self.emulator.webhook_info()

    async def set_webhook(self, params: Params, bot_id: int) -> bool:
        url = params.text("url") or ""
        if not url:
            self.emulator.delete_webhook(params.flag("drop_pending_updates"))
            return True
        validation.webhook_url(url)
        secret = params.text("secret_token") or ""
        if secret and not validation.WEBHOOK_SECRET.fullmatch(secret):
            raise BotApiError.bad_request("secret token contains unallowed characters")
        max_connections = params.integer("max_connections", default=40)
        if not 1 <= max_connections <= 100:
            raise BotApiError.bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = params.json("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise BotApiError.bad_request("can't parse allowed_updates JSON object")
        self.emulator.set_webhook(url, secret_token=secret, max_connections=max_connections,
                                  allowed_updates=allowed, drop_pending_updates=params.flag("drop_pending_updates"))
        return True

    async def delete_webhook(self, params: Params, bot_id: int) -> bool:
        self.emulator.delete_webhook(params.flag("drop_pending_updates"))
        return True

    async def get_file(self, params: Params, bot_id: int) -> dict:
        return self.emulator.file_info(params.text("file_id") or "")

    async def get_chat(self, params: Params, bot_id: int) -> dict:
        return self.emulator.chat_info(params.chat_id())


def _error_response(error: BotApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return JSONResponse(body, status_code=error.status)


def create_bot_api_router(emulator: BotApiEmulator) -> APIRouter:
    """Routes relative to the Bot API base URL (mount them under e.g. /tg)."""
    router = APIRouter(include_in_schema=False)
    methods = BotApiMethods(emulator)

    @router.api_route("/bot{token}/{method}", methods=["GET", "POST"])
    async def bot_api_method(token: str, method: str, request: Request) -> Response:
        token_match = _TOKEN.fullmatch(token)
        if token_match is None:
            return _error_response(BotApiError(401, "Unauthorized"))
        try:
            params = await Params.from_request(request)
            calling = methods.call(method, params, int(token_match[1]))
            result = await (unless_client_leaves(request, calling) if method.lower() == "getupdates" else calling)
        except BotApiError as error:
            return _error_response(error)
        return JSONResponse({"ok": True, "result": result})

    @router.get("/file/bot{token}/{file_path:path}")
    async def download_file(token: str, file_path: str) -> Response:
        record = emulator.file_by_path(file_path) if _TOKEN.fullmatch(token) else None
        if record is None:
            return _error_response(BotApiError(404, "Not Found"))
        return Response(emulator.file_bytes(record["file_id"]), media_type=record["mime_type"])

    return router
