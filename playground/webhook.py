"""Webhook delivery, as Telegram does it: pending updates are POSTed to the webhook URL as JSON with the
`X-Telegram-Bot-Api-Secret-Token` header; an update leaves the queue only when the bot answered 2xx, otherwise it
is sent again after a pause. At most `max_connections` requests are in flight, and one chat's updates go one
at a time, in order.
"""

import asyncio
import contextlib
import logging
import time

import httpx

log = logging.getLogger("playground.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits about a minute for an answer; the pauses between retries are shorter than Telegram's so a
# developer (and a test) sees the redelivery soon.
DELIVERY_TIMEOUT_SECONDS = 60.0
RETRY_PAUSES_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


def _chat_of(update: dict) -> int | None:
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if chat:
            return chat.get("id")
        sender = payload.get("from")
        if sender:
            return sender.get("id")
    return None


class WebhookDelivery:
    """The loop that pushes the emulator's pending updates to the webhook while one is set."""

    def __init__(self, emulator, *, timeout: float = DELIVERY_TIMEOUT_SECONDS,
                 retry_pauses: tuple[float, ...] = RETRY_PAUSES_SECONDS) -> None:
        self.emulator = emulator
        self.timeout = timeout
        self.retry_pauses = retry_pauses
        self._in_flight: dict[int, asyncio.Task] = {}  # update_id → request
        self._chat_in_flight: dict[int, int | None] = {}  # update_id → its chat
        self._attempts: dict[int, int] = {}
        self._retry_at: dict[int, float] = {}
        self._task: asyncio.Task | None = None

    def ensure_running(self) -> None:
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop here (a synchronous caller); the next call from async code starts it
        self._task = loop.create_task(self._run(), name="playground-webhook-delivery")

    async def stop(self) -> None:
        tasks = [task for task in (self._task, *self._in_flight.values()) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        self._in_flight.clear()

    def _due(self, webhook: dict) -> list[dict]:
        now = time.monotonic()
        busy_chats = {self._chat_in_flight[update_id] for update_id in self._in_flight}
        free = webhook["max_connections"] - len(self._in_flight)
        due = []
        for update in self.emulator.webhook_pending_updates(webhook["allowed_updates"]):
            if free <= 0:
                break
            update_id = update["update_id"]
            chat = _chat_of(update)
            if update_id in self._in_flight or (chat is not None and chat in busy_chats):
                busy_chats.add(chat)  # later updates of this chat wait for this one
                continue
            if self._retry_at.get(update_id, 0.0) > now:
                busy_chats.add(chat)
                continue
            due.append(update)
            busy_chats.add(chat)
            free -= 1
        return due

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            while True:
                webhook = self.emulator.webhook_settings()
                if webhook is None:
                    return
                seen = self.emulator.version
                for update in self._due(webhook):
                    update_id = update["update_id"]
                    self._chat_in_flight[update_id] = _chat_of(update)
                    self._in_flight[update_id] = asyncio.create_task(self._deliver(client, webhook, update))
                await self._wait(seen)

    async def _wait(self, seen_version: int) -> None:
        """Until the emulator changes, a request finishes or the next retry is due."""
        now = time.monotonic()
        pending_retries = [moment - now for moment in self._retry_at.values() if moment > now]
        timeout = min(pending_retries, default=1.0)
        waiters = [asyncio.ensure_future(self.emulator.wait_for_change(seen_version, timeout))]
        waiters.extend(self._in_flight.values())
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if waiters[0] not in done:
            waiters[0].cancel()

    async def _deliver(self, client: httpx.AsyncClient, webhook: dict, update: dict) -> None:
        update_id = update["update_id"]
        headers = {SECRET_HEADER: webhook["secret_token"]} if webhook["secret_token"] else {}
        error = None
        try:
            response = await client.post(webhook["url"], json=update, headers=headers)
            if 200 <= response.status_code < 300:
                self._attempts.pop(update_id, None)
                self._retry_at.pop(update_id, None)
                self.emulator.webhook_delivered(update)
                return
            error = f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
        except httpx.TimeoutException:
            error = "Read timeout expired"
        except httpx.HTTPError as failure:
            error = f"Connection failed: {type(failure).__name__}"
        finally:
            self._in_flight.pop(update_id, None)
            self._chat_in_flight.pop(update_id, None)
        attempts = self._attempts.get(update_id, 0)
        self._attempts[update_id] = attempts + 1
        self._retry_at[update_id] = time.monotonic() + self.retry_pauses[min(attempts, len(self.retry_pauses) - 1)]
        self.emulator.webhook_failed(error)
