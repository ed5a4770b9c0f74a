"""In-memory (and on-disk) model of one bot's Telegram world: test users, private chats, messages, updates, files.

The bot side reaches it through the Bot API routes in bot_api.py; the developer's side through the playground
page and tests, which call the `user_*` methods below. Every change bumps `version` and wakes the waiters.
"""

import asyncio
import contextlib
import json
import math
import mimetypes
import re
import secrets
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from aiogram.types import MessageEntity
from aiogram.utils.text_decorations import html_decoration
from PIL import Image, UnidentifiedImageError

from playground.telegram_html import utf16_length
from playground.webhook import WebhookDelivery

BOT_USERNAME = "mechta_playground_bot"
BOT_FIRST_NAME = "Mechta (playground)"
FIRST_USER_ID = 100000001
CHAT_ACTION_SECONDS = 5.0
CALLBACK_ANSWER_SECONDS = 15.0
KEPT_CALLBACK_QUERIES = 500
DELETE_WINDOW_SECONDS = 48 * 3600
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
UPDATE_TYPES = ("message", "edited_message", "callback_query", "my_chat_member")
STATE_FILE = "state.json"
KEPT_DELIVERED_UPDATES = 100
DEFAULT_WEBHOOK_CONNECTIONS = 40
_BOT_COMMAND = re.compile(r"(?<!\S)/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?(?![^\s])")


class BotApiError(Exception):
    """A Bot API failure, rendered as Telegram's {"ok": false, ...} response."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def bad_request(cls, detail: str) -> "BotApiError":
        return cls(400, f"Bad Request: {detail}")


class PlaygroundError(ValueError):
    """The developer asked for something impossible (a button that is not on the message, an empty text)."""


class UnknownUserError(PlaygroundError):
    """No test user (and so no private chat) with that id."""


def _now() -> int:
    return int(time.time())


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(24)


class BotApiEmulator:
    def __init__(self, state_dir: Path, *, rate_limit_per_second: float | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.files_dir = self.state_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.rate_limit_per_second = rate_limit_per_second
        self._rate_tokens = max(rate_limit_per_second or 0.0, 1.0)
        self._rate_checked_at = time.monotonic()
        self._state = self._load_state()
        self._file_bytes: dict[str, bytes] = {}
        self._chat_actions: dict[int, tuple[str, float]] = {}
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._webhook = WebhookDelivery(self)
        self._delivered: list[dict] = []

    # ---- persistence and change notification -------------------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        path = self.state_dir / STATE_FILE
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        return {
            "version": 0,
            "bot_id": 0,
            "next_user_id": FIRST_USER_ID,
            "next_update_id": 1,
            "next_file_number": 1,
            "users": {},
            "chats": {},
            "updates": [],
            "allowed_updates": list(UPDATE_TYPES),
            "files": {},
            "callback_queries": {},
            "commands": {},
            "webhook_url": "",
            "webhook_secret": "",
        }

    def _save(self) -> None:
        path = self.state_dir / STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._state, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)

    @property
    def version(self) -> int:
        return self._state["version"]

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        if self._state["webhook_url"]:
            self._webhook.ensure_running()

    def _publish(self) -> int:
        """Record a change: bump the version, persist, wake every waiter. Returns the new version."""
        self._state["version"] += 1
        self._save()
        self._wake()
        return self._state["version"]

    async def wait_for_change(self, after_version: int, timeout: float) -> int:
        """Wait until `version` exceeds after_version or the timeout passes; return the current version."""
        deadline = time.monotonic() + timeout
        while self.version <= after_version:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self._wait_for_wake(remaining)
        return self.version

    async def _wait_for_wake(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    # ---- test users --------------------------------------------------------------------------------------

    def create_user(self, first_name: str, language_code: str = "ru") -> dict:
        user_id = self._state["next_user_id"]
        self._state["next_user_id"] += 1
        user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
            "blocked": False,
        }
        self._state["users"][str(user_id)] = user
        self._state["chats"][str(user_id)] = {
            "next_message_id": 1,
            "messages": [],
            "reply_keyboard": None,
            "notices": [],
        }
        self._publish()
        return dict(user)

    def list_users(self) -> list[dict]:
        return [dict(user) for user in self._state["users"].values()]

    def get_user(self, user_id: int) -> dict:
        user = self._state["users"].get(str(user_id))
        if user is None:
            raise UnknownUserError(f"unknown test user {user_id}")
        return user

    def set_blocked(self, user_id: int, blocked: bool) -> dict:
        user = self.get_user(user_id)
        if user["blocked"] != blocked:
            user["blocked"] = blocked
            self._enqueue_update("my_chat_member", self._chat_member_update(user))
            self._publish()
        return dict(user)

    def _chat_member_update(self, user: dict) -> dict:
        bot = self.bot_user()
        old, new = ({"status": "member", "user": bot}, {"status": "kicked", "user": bot, "until_date": 0})
        if not user["blocked"]:
            old, new = new, old
        return {
            "chat": self._chat(user),
            "from": self._tg_user(user),
            "date": _now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }

    @staticmethod
    def _tg_user(user: dict) -> dict:
        return {key: user[key] for key in ("id", "is_bot", "first_name", "language_code")}

    @staticmethod
    def _chat(user: dict) -> dict:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    # ---- the user's side ---------------------------------------------------------------------------------

    def user_sends_text(self, user_id: int, text: str) -> dict:
        if not text.strip():
            raise PlaygroundError("message text is empty")
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_length(text[: match.start()]),
                "length": utf16_length(match.group()),
            }
            for match in _BOT_COMMAND.finditer(text)
        ]
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._user_message(user_id, content)

    def user_sends_location(self, user_id: int, latitude: float, longitude: float) -> dict:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise PlaygroundError("latitude must be within ±90 and longitude within ±180")
        return self._user_message(user_id, {"location": {"latitude": latitude, "longitude": longitude}})

    def user_sends_photo(self, user_id: int, data: bytes, caption: str | None = None) -> dict:
        self.get_user(user_id)
        try:
            photo = self.store_photo(data)
        except BotApiError as error:
            raise PlaygroundError("the file is not an image") from error
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content)

    def user_sends_sticker(self, user_id: int, emoji: str = "👍") -> dict:
        sticker = {"file_id": _new_id("sticker"), "file_unique_id": _new_id("u"), "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji}
        return self._user_message(user_id, {"sticker": sticker})

    def user_sends_voice(self, user_id: int, data: bytes, duration: int, mime_type: str = "audio/ogg") -> dict:
        """A voice note as Telegram delivers it: `voice` with a file_id the bot fetches with getFile."""
        self.get_user(user_id)
        if not data:
            raise PlaygroundError("the voice note is empty")
        if not 0 < duration <= 3600:
            raise PlaygroundError("the duration must be 1 to 3600 seconds")
        extension = "ogg" if mime_type == "audio/ogg" else (mimetypes.guess_extension(mime_type) or ".bin")[1:]
        record = self._store_file(data, "voice", extension, mime_type=mime_type, file_name=None)
        voice = {**self._file_reference(record), "duration": duration, "mime_type": mime_type}
        return self._user_message(user_id, {"voice": voice})

    def user_presses_button(self, user_id: int, message_id: int, callback_data: str) -> str:
        user = self.get_user(user_id)
        record = self._find_message(user_id, message_id)
        if record is None or record["deleted"]:
            raise PlaygroundError(f"message {message_id} is not in the chat")
        buttons = (record["message"].get("reply_markup") or {}).get("inline_keyboard", [])
        if not any(button.get("callback_data") == callback_data for row in buttons for button in row):
            raise PlaygroundError(f"message {message_id} has no button with callback_data {callback_data!r}")
        query_id = str(secrets.randbits(63))
        queries = self._state["callback_queries"]
        for stale in list(queries)[: max(len(queries) - KEPT_CALLBACK_QUERIES + 1, 0)]:
            del queries[stale]
        queries[query_id] = {
            "chat_id": user_id,
            "message_id": message_id,
            "data": callback_data,
            "pressed_at": time.time(),
            "answered_at": None,
        }
        self._enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": self._tg_user(user),
                "message": record["message"],
                "chat_instance": str(user_id),
                "data": callback_data,
            },
        )
        self._publish()
        return query_id

    def _user_message(self, user_id: int, content: dict) -> dict:
        user = self.get_user(user_id)
        if user["blocked"]:
            # Writing to a bot you blocked restarts it in Telegram, so the user unblocks it here as well.
            user["blocked"] = False
            self._enqueue_update("my_chat_member", self._chat_member_update(user))
        message = self._append_message(user_id, "user", self._tg_user(user), content)
        self._enqueue_update("message", message)
        self._publish()
        return message

    def _enqueue_update(self, update_type: str, payload: dict) -> None:
        update_id = self._state["next_update_id"]
        self._state["next_update_id"] += 1
        self._state["updates"].append({"update_id": update_id, update_type: payload})

    # ---- the bot's side (called by the Bot API routes) ---------------------------------------------------

    def bot_user(self, bot_id: int | None = None) -> dict:
        return {
            "id": bot_id or self._state["bot_id"],
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def remember_bot(self, bot_id: int) -> None:
        if self._state["bot_id"] != bot_id:
            self._state["bot_id"] = bot_id
            self._save()

    def check_rate_limit(self) -> None:
        rate = self.rate_limit_per_second
        if rate is None:
            return
        now = time.monotonic()
        capacity = max(rate, 1.0)
        self._rate_tokens = min(capacity, self._rate_tokens + (now - self._rate_checked_at) * rate)
        self._rate_checked_at = now
        if self._rate_tokens >= 1.0:
            self._rate_tokens -= 1.0
            return
        retry_after = max(1, math.ceil((1.0 - self._rate_tokens) / rate))
        raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def writable_chat(self, chat_id: int | str) -> dict:
        """The user behind a private chat the bot may write to; raises Telegram's errors otherwise."""
        user = self._state["users"].get(str(chat_id))
        if user is None:
            raise BotApiError.bad_request("chat not found")
        if user["blocked"]:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return user

    def chat_info(self, chat_id: int | str) -> dict:
        user = self._state["users"].get(str(chat_id))
        if user is None:
            raise BotApiError.bad_request("chat not found")
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
        )
        return {**self._chat(user), "accent_color_id": 0, "max_reaction_count": 0, "accepted_gift_types": gifts}

    def send_bot_messages(
        self, bot_id: int, chat_id: int | str, contents: list[dict], *, chat_markup: dict | None = None
    ) -> list[dict]:
        """Append the bot's messages; chat_markup is a reply keyboard (or its removal), which stays with the chat."""
        user = self.writable_chat(chat_id)
        chat = self._state["chats"][str(user["id"])]
        messages = [self._append_message(user["id"], "bot", self.bot_user(bot_id), content) for content in contents]
        if chat_markup and "keyboard" in chat_markup:
            chat["reply_keyboard"] = chat_markup
        elif chat_markup and chat_markup.get("remove_keyboard"):
            chat["reply_keyboard"] = None
        self._chat_actions.pop(user["id"], None)
        self._publish()
        return messages

    def replied_message(self, chat_id: int | str, message_id: int) -> dict | None:
        record = self._find_message(chat_id, message_id)
        return None if record is None or record["deleted"] else record["message"]

    def edit_bot_message(self, chat_id: int | str, message_id: int, changes: dict, *, field: str) -> dict:
        """Apply changes (text/entities, caption/caption_entities, reply_markup) like the editMessage* methods.

        `field` is "text", "caption" or "reply_markup": what the method is allowed to change.
        """
        self.writable_chat(chat_id)
        record = self._find_message(chat_id, message_id)
        if record is None or record["deleted"]:
            raise BotApiError.bad_request("message to edit not found")
        if record["sender"] != "bot":
            raise BotApiError.bad_request("message can't be edited")
        message = record["message"]
        if field == "text" and "text" not in message:
            raise BotApiError.bad_request("there is no text in the message to edit")
        if field == "caption" and not ({"photo", "document"} & message.keys()):
            raise BotApiError.bad_request("there is no caption in the message to edit")
        updated = {key: value for key, value in message.items() if key not in changes}
        updated.update({key: value for key, value in changes.items() if value})
        if updated == message:
            raise BotApiError.bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message"
            )
        updated["edit_date"] = _now()
        record["message"] = updated
        record["version"] = self._state["version"] + 1
        self._publish()
        return updated

    def delete_message(self, chat_id: int | str, message_id: int) -> None:
        self.writable_chat(chat_id)
        record = self._find_message(chat_id, message_id)
        if record is None or record["deleted"]:
            raise BotApiError.bad_request("message to delete not found")
        if _now() - record["message"]["date"] > DELETE_WINDOW_SECONDS:
            raise BotApiError.bad_request("message can't be deleted for everyone")
        record["deleted"] = True
        record["version"] = self._state["version"] + 1
        self._publish()

    def set_chat_action(self, chat_id: int | str, action: str) -> None:
        user = self.writable_chat(chat_id)
        self._chat_actions[user["id"]] = (action, time.monotonic() + CHAT_ACTION_SECONDS)
        self._publish()

    def chat_action(self, chat_id: int) -> tuple[str | None, float]:
        """The bot's current chat action and the seconds it stays visible."""
        action, until = self._chat_actions.get(chat_id, (None, 0.0))
        remaining = until - time.monotonic()
        return (action, remaining) if remaining > 0 else (None, 0.0)

    def answer_callback_query(self, query_id: str, text: str | None, show_alert: bool, url: str | None) -> None:
        query = self._state["callback_queries"].get(query_id)
        too_old = query is None or query["answered_at"] is not None
        if query is not None and time.time() - query["pressed_at"] > CALLBACK_ANSWER_SECONDS:
            too_old = True
        if too_old:
            raise BotApiError.bad_request("query is too old and response timeout expired or query ID is invalid")
        query["answered_at"] = time.time()
        if text or url:
            version = self._state["version"] + 1
            notices = self._state["chats"][str(query["chat_id"])]["notices"]
            notices.append({"version": version, "text": text or "", "show_alert": show_alert, "url": url})
            del notices[:-50]
        self._publish()

    async def get_updates(self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None) -> list:
        if self._state["webhook_url"]:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        if allowed is not None:
            self._state["allowed_updates"] = [kind for kind in allowed if kind in UPDATE_TYPES] or list(UPDATE_TYPES)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        deadline = time.monotonic() + timeout
        while True:
            if offset is not None:
                self._confirm_updates(offset)
                offset = None
            pending = [
                update
                for update in self._state["updates"]
                if any(kind in update for kind in self._state["allowed_updates"])
            ]
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return pending[:limit]
            await self._wait_for_wake(remaining)
            if generation != self._poll_generation:
                raise BotApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )

    def _confirm_updates(self, offset: int) -> None:
        updates = self._state["updates"]
        kept = updates[offset:] if offset < 0 else [update for update in updates if update["update_id"] >= offset]
        if len(kept) != len(updates):
            self._state["updates"] = kept
            self._save()

    def pending_update_count(self) -> int:
        return len(self._state["updates"])

    # ---- webhook (Telegram pushes the updates; see webhook.py) -------------------------------------------

    def set_webhook(self, url: str, *, secret_token: str = "", max_connections: int = DEFAULT_WEBHOOK_CONNECTIONS,
                    allowed_updates: list[str] | None = None, drop_pending_updates: bool = False) -> None:
        self._state["webhook_url"] = url
        self._state["webhook_secret"] = secret_token
        self._state["webhook_max_connections"] = max_connections
        if allowed_updates is not None:
            self._state["allowed_updates"] = [kind for kind in allowed_updates if kind in UPDATE_TYPES] or list(
                UPDATE_TYPES)
        if drop_pending_updates:
            self._state["updates"] = []
        self._save()
        self._wake()

    def delete_webhook(self, drop_pending_updates: bool) -> None:
        """The delivery loop ends by itself once it sees no webhook; requests in flight still finish."""
        self._state["webhook_url"] = ""
        self._state["webhook_secret"] = ""
        if drop_pending_updates:
            self._state["updates"] = []
        self._save()
        self._wake()

    def webhook_url(self) -> str:
        return self._state["webhook_url"]

    def webhook_settings(self) -> dict | None:
        if not self._state["webhook_url"]:
            return None
        return {
            "url": self._state["webhook_url"],
            "secret_token": self._state.get("webhook_secret", ""),
            "max_connections": self._state.get("webhook_max_connections", DEFAULT_WEBHOOK_CONNECTIONS),
            "allowed_updates": self._state["allowed_updates"],
        }

    def webhook_info(self) -> dict:
        info: dict[str, Any] = {
            "url": self._state["webhook_url"],
            "has_custom_certificate": False,
            "pending_update_count": self.pending_update_count(),
        }
        if self._state["webhook_url"]:
            info["max_connections"] = self._state.get("webhook_max_connections", DEFAULT_WEBHOOK_CONNECTIONS)
            info["allowed_updates"] = self._state["allowed_updates"]
        if self._state.get("webhook_last_error"):
            info["last_error_date"], info["last_error_message"] = self._state["webhook_last_error"]
        return info

    def webhook_pending_updates(self, allowed: list[str]) -> list[dict]:
        return [update for update in self._state["updates"] if any(kind in update for kind in allowed)]

    def webhook_delivered(self, update: dict) -> None:
        """The bot answered 2xx: the update leaves the queue (kept a while for `redeliver`)."""
        self._state["updates"] = [kept for kept in self._state["updates"] if kept is not update]
        self._delivered.append(update)
        del self._delivered[:-KEPT_DELIVERED_UPDATES]
        self._save()
        self._wake()

    def webhook_failed(self, error: str) -> None:
        self._state["webhook_last_error"] = [_now(), error]
        self._save()

    def redeliver(self, update_id: int) -> dict:
        """Deliver an already delivered update once more, as Telegram occasionally does (duplicates happen)."""
        update = next((done for done in reversed(self._delivered) if done["update_id"] == update_id), None)
        if update is None:
            raise PlaygroundError(f"update {update_id} was not delivered recently")
        copy = json.loads(json.dumps(update))
        self._state["updates"].append(copy)
        self._save()
        self._wake()
        return copy

    def delivered_updates(self) -> list[dict]:
        return list(self._delivered)

    async def aclose(self) -> None:
        """Stop delivering (tests and app shutdown)."""
        await self._webhook.stop()

    def set_commands(self, scope_key: str, commands: list[dict]) -> None:
        if commands:
            self._state["commands"][scope_key] = commands
        else:
            self._state["commands"].pop(scope_key, None)
        self._save()

    def get_commands(self, scope_key: str) -> list[dict]:
        return self._state["commands"].get(scope_key, [])

    # ---- files -------------------------------------------------------------------------------------------

    def store_photo(self, data: bytes) -> list[dict]:
        try:
            with Image.open(BytesIO(data)) as image:
                width, height = image.size
                extension = (image.format or "jpeg").lower()
        except (UnidentifiedImageError, OSError) as error:
            raise BotApiError.bad_request("IMAGE_PROCESS_FAILED") from error
        record = self._store_file(data, "photos", extension, mime_type=f"image/{extension}", file_name=None)
        return [{**self._file_reference(record), "width": width, "height": height}]

    def store_document(self, data: bytes, file_name: str, mime_type: str | None) -> dict:
        if len(data) > MAX_DOCUMENT_BYTES:
            raise BotApiError(413, "Request Entity Too Large")
        # Telegram reports the type of the file itself; a client's generic upload type (aiogram sends every file
        # as application/octet-stream) says nothing, so the name decides then.
        declared = None if mime_type in (None, "", "application/octet-stream") else mime_type
        mime_type = declared or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        extension = Path(file_name).suffix.lstrip(".") or "bin"
        record = self._store_file(data, "documents", extension, mime_type=mime_type, file_name=file_name)
        return {**self._file_reference(record), "file_name": file_name, "mime_type": mime_type}

    def _store_file(self, data: bytes, folder: str, extension: str, *, mime_type: str, file_name: str | None) -> dict:
        number = self._state["next_file_number"]
        self._state["next_file_number"] += 1
        file_path = f"{folder}/file_{number}.{extension}"
        target = self.files_dir / file_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        file_id = _new_id("AgAC" if folder == "photos" else "BQAC")
        record = {
            "file_id": file_id,
            "file_unique_id": _new_id("AQAD")[:16],
            "file_size": len(data),
            "file_path": file_path,
            "mime_type": mime_type,
            "file_name": file_name,
            "kind": folder,
        }
        self._state["files"][file_id] = record
        self._file_bytes[file_id] = data
        return record

    @staticmethod
    def _file_reference(record: dict) -> dict:
        return {key: record[key] for key in ("file_id", "file_unique_id", "file_size")}

    def reuse_file(self, file_id: str, kind: str) -> dict:
        record = self._state["files"].get(file_id)
        if record is None:
            raise BotApiError.bad_request("wrong file identifier/HTTP URL specified")
        if record["kind"] != kind:
            raise BotApiError.bad_request(f"type of file mismatch: expected {kind}")
        return record

    def reused_photo(self, file_id: str) -> list[dict]:
        record = self.reuse_file(file_id, "photos")
        with Image.open(BytesIO(self.file_bytes(file_id))) as image:
            width, height = image.size
        return [{**self._file_reference(record), "width": width, "height": height}]

    def reused_document(self, file_id: str) -> dict:
        record = self.reuse_file(file_id, "documents")
        return {**self._file_reference(record), "file_name": record["file_name"], "mime_type": record["mime_type"]}

    def file_info(self, file_id: str) -> dict:
        record = self._state["files"].get(file_id)
        if record is None:
            raise BotApiError.bad_request("wrong file_id or the file is temporarily unavailable")
        return {**self._file_reference(record), "file_path": record["file_path"]}

    def file_record(self, file_id: str) -> dict | None:
        return self._state["files"].get(file_id)

    def file_by_path(self, file_path: str) -> dict | None:
        return next((record for record in self._state["files"].values() if record["file_path"] == file_path), None)

    def file_bytes(self, file_id: str) -> bytes:
        if file_id not in self._file_bytes:
            self._file_bytes[file_id] = (self.files_dir / self._state["files"][file_id]["file_path"]).read_bytes()
        return self._file_bytes[file_id]

    # ---- messages as the page and tests see them ---------------------------------------------------------

    def _append_message(self, chat_id: int, sender: str, sender_user: dict, content: dict) -> dict:
        chat = self._state["chats"][str(chat_id)]
        message_id = chat["next_message_id"]
        chat["next_message_id"] += 1
        user = self._state["users"][str(chat_id)]
        message = {"message_id": message_id, "from": sender_user, "chat": self._chat(user), "date": _now(), **content}
        chat["messages"].append(
            {"sender": sender, "deleted": False, "version": self._state["version"] + 1, "message": message}
        )
        return message

    def _find_message(self, chat_id: int | str, message_id: int) -> dict | None:
        chat = self._state["chats"].get(str(chat_id))
        if chat is None:
            return None
        return next((record for record in chat["messages"] if record["message"]["message_id"] == message_id), None)

    def messages(self, chat_id: int, after_id: int = 0) -> list[dict]:
        chat = self._state["chats"].get(str(chat_id))
        if chat is None:
            raise UnknownUserError(f"unknown chat {chat_id}")
        return [self._view(record) for record in chat["messages"] if record["message"]["message_id"] > after_id]

    def changed_messages(self, chat_id: int, after_version: int) -> list[dict]:
        chat = self._state["chats"].get(str(chat_id))
        if chat is None:
            raise UnknownUserError(f"unknown chat {chat_id}")
        return [self._view(record) for record in chat["messages"] if record["version"] > after_version]

    def chat_status(self, chat_id: int, after_version: int) -> dict:
        """What the page needs besides messages: typing, reply keyboard, callback notices and warnings."""
        chat = self._state["chats"][str(chat_id)]
        action, action_seconds = self.chat_action(chat_id)
        return {
            "chat_action": action,
            "chat_action_seconds": action_seconds,
            "reply_keyboard": chat["reply_keyboard"],
            "notices": [notice for notice in chat["notices"] if notice["version"] > after_version],
            "warnings": self.callback_warnings(chat_id),
        }

    def callback_warnings(self, chat_id: int) -> list[dict]:
        warnings = []
        for query_id, query in self._state["callback_queries"].items():
            if query["chat_id"] != chat_id:
                continue
            answered_at = query["answered_at"]
            waited = (answered_at or time.time()) - query["pressed_at"]
            if waited > CALLBACK_ANSWER_SECONDS:
                outcome = "answered late" if answered_at else "never answered"
                warnings.append(
                    {
                        "callback_query_id": query_id,
                        "message_id": query["message_id"],
                        "text": f"The bot {outcome} the button {query['data']!r} "
                        f"(must answer callback queries within {CALLBACK_ANSWER_SECONDS:.0f} s).",
                    }
                )
        return warnings

    def seconds_until_status_changes(self, chat_id: int) -> float | None:
        """When a time-driven status (typing expiry, an unanswered button) flips, so long polls can return then."""
        moments = []
        action, action_seconds = self.chat_action(chat_id)
        if action:
            moments.append(action_seconds)
        for query in self._state["callback_queries"].values():
            if query["chat_id"] == chat_id and query["answered_at"] is None:
                due = query["pressed_at"] + CALLBACK_ANSWER_SECONDS - time.time()
                if due > 0:
                    moments.append(due)
        return min(moments) + 0.05 if moments else None

    def _view(self, record: dict) -> dict:
        message = record["message"]
        text = message.get("text")
        caption = message.get("caption")
        entities = message.get("entities" if text is not None else "caption_entities") or []
        body = text if text is not None else caption
        markup = message.get("reply_markup") or {}
        view: dict[str, Any] = {
            "id": message["message_id"],
            "from": record["sender"],
            "date": message["date"],
            "text": text,
            "caption": caption,
            "entities": entities,
            "html": html_decoration.unparse(body, [MessageEntity(**entity) for entity in entities]) if body else None,
            "keyboard": markup.get("inline_keyboard"),
            "reply_keyboard": markup.get("keyboard"),
            "photo_url": None,
            "document": None,
            "voice": None,
            "location": message.get("location"),
            "media_group_id": message.get("media_group_id"),
            "reply_to_message_id": (message.get("reply_to_message") or {}).get("message_id"),
            "edited": "edit_date" in message,
            "deleted": record["deleted"],
            "version": record["version"],
        }
        if "photo" in message:
            view["photo_url"] = f"/playground/api/files/{message['photo'][-1]['file_id']}"
        if "voice" in message:
            voice = message["voice"]
            view["voice"] = {"url": f"/playground/api/files/{voice['file_id']}", "duration": voice["duration"]}
        if "document" in message:
            document = message["document"]
            view["document"] = {
                "name": document.get("file_name") or "document",
                "url": f"/playground/api/files/{document['file_id']}",
                "size": document.get("file_size"),
                "mime_type": document.get("mime_type"),
            }
        return view

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: Callable[[dict], bool] | None = None,
        timeout: float = 10,
        *,
        after_id: int | None = None,
    ) -> dict:
        """The first bot message newer than after_id (default: the user's latest message) matching predicate.

        Edits count: a message whose edit satisfies the predicate is returned too. Raises TimeoutError.
        """
        if after_id is None:
            after_id = max((view["id"] for view in self.messages(chat_id) if view["from"] == "user"), default=0)
        deadline = time.monotonic() + timeout
        while True:
            for view in self.messages(chat_id, after_id):
                if view["from"] == "bot" and not view["deleted"] and (predicate is None or predicate(view)):
                    return view
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no bot message in chat {chat_id} within {timeout} s")
            await self._wait_for_wake(remaining)
