"""A small OpenAI-compatible HTTP server for tests: the real `openai` client talks to it over a socket.

Each test scripts what the next requests get, in order:

    fake.chat.append(reply_json({...}))      # a valid structured answer
    fake.chat.append(reply_text("{oops"))    # malformed JSON
    fake.chat.append(http_error(500))
    fake.chat.append(slow(5))                # answers after 5 s (the client times out first)
    thinking = held({...}); fake.chat.append(thinking)
    ...; thinking.release()                  # answers only when the test says so ("the AI is still thinking")
    fake.images.append(image_b64(png_bytes)) # or image_b64(b"garbage"), image_missing()

A request with nothing scripted gets a 500, so a test never passes by accident. Every request body is kept in
`fake.requests` for assertions.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.config import Settings
from tests.utils.asgi_server import serve_asgi


@dataclass(frozen=True)
class Behaviour:
    status: int = 200
    content: str | None = None          # chat: the message content
    b64: str | None = None              # images: the b64_json value
    omit_data: bool = False             # images: an answer without data
    delay: float = 0.0
    gate: asyncio.Event | None = None   # held(): answers once the test releases it

    def release(self) -> None:
        """Let a held answer go out."""
        assert self.gate is not None, "only a held() answer waits for release()"
        self.gate.set()


def reply_json(payload: dict[str, Any]) -> Behaviour:
    return Behaviour(content=json.dumps(payload, ensure_ascii=False))


def reply_text(text: str) -> Behaviour:
    return Behaviour(content=text)


def http_error(status: int = 500) -> Behaviour:
    return Behaviour(status=status)


def slow(seconds: float, payload: dict[str, Any] | None = None) -> Behaviour:
    return Behaviour(content=json.dumps(payload or {}), delay=seconds)


def held(payload: dict[str, Any] | None = None) -> Behaviour:
    """An answer that waits until the test calls `.release()`: the AI is "still thinking" for exactly as long as
    the test needs to look at the waiting state, however slow the machine (a fixed delay either ends too soon on a
    loaded box or wastes seconds on an idle one)."""
    return Behaviour(content=json.dumps(payload or {}), gate=asyncio.Event())


def image_b64(data: bytes) -> Behaviour:
    return Behaviour(b64=base64.b64encode(data).decode())


def image_raw_b64(value: str) -> Behaviour:
    return Behaviour(b64=value)


def image_missing() -> Behaviour:
    return Behaviour(omit_data=True)


@dataclass
class FakeOpenAI:
    url: str = ""
    chat: list[Behaviour] = field(default_factory=list)
    images: list[Behaviour] = field(default_factory=list)
    # Scripted answers of POST /v1/audio/transcriptions: `reply_text("what was said")`, `http_error()`, `slow()`.
    transcriptions: list[Behaviour] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["_path"] == "chat"]

    async def _delay(self, behaviour: Behaviour) -> None:
        if behaviour.gate is not None:
            closing = asyncio.ensure_future(self._closing.wait())
            released = asyncio.ensure_future(behaviour.gate.wait())
            try:
                await asyncio.wait([closing, released], return_when=asyncio.FIRST_COMPLETED)
            finally:
                closing.cancel()
                released.cancel()
        if behaviour.delay:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=behaviour.delay)

    async def _chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append({"_path": "chat", **body})
        if not self.chat:
            return _error(500, "nothing scripted for this chat request")
        behaviour = self.chat.pop(0)
        await self._delay(behaviour)
        if behaviour.status != 200:
            return _error(behaviour.status, "scripted failure")
        return JSONResponse({
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": behaviour.content, "refusal": None}}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        })

    async def _images(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append({"_path": "images", **body})
        if not self.images:
            return _error(500, "nothing scripted for this image request")
        behaviour = self.images.pop(0)
        await self._delay(behaviour)
        if behaviour.status != 200:
            return _error(behaviour.status, "scripted failure")
        data = [] if behaviour.omit_data else [{"b64_json": behaviour.b64}]
        return JSONResponse({"created": int(time.time()), "data": data})

    async def _transcriptions(self, request: Request) -> JSONResponse:
        form = await request.form()
        upload = form.get("file")
        audio = await upload.read() if upload is not None and hasattr(upload, "read") else b""
        self.requests.append({"_path": "transcriptions", "model": form.get("model"), "language": form.get("language"),
                              "filename": getattr(upload, "filename", None), "audio_bytes": len(audio)})
        if not audio or not form.get("model"):
            return _error(400, "'file' and 'model' are required")
        if not self.transcriptions:
            return _error(500, "nothing scripted for this transcription request")
        behaviour = self.transcriptions.pop(0)
        await self._delay(behaviour)
        if behaviour.status != 200:
            return _error(behaviour.status, "scripted failure")
        return JSONResponse({"text": behaviour.content})

    def transcription_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["_path"] == "transcriptions"]

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/audio/transcriptions", self._transcriptions, methods=["POST"]),
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/images/generations", self._images, methods=["POST"]),
        ])


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "server_error", "code": None}}, status_code=status)


@asynccontextmanager
async def running_fake_openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    async with serve_asgi(fake.app()) as url:
        fake.url = url
        try:
            yield fake
        finally:
            # Wake any request still "slow" or held, so the server can shut down at once.
            fake._closing.set()


def with_fake_openai(settings: Settings, fake: FakeOpenAI, *, timeout: float = 2.0, **overrides: Any) -> Settings:
    """Settings that point the real openai client at the fake: a key, its base URL, no retries, a short timeout."""
    return settings.model_copy(update={"openai_api_key": "test", "openai_base_url": fake.base_url,
                                       "openai_timeout_seconds": timeout, "openai_max_retries": 0, **overrides})


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI server on 127.0.0.1 for one test; script its answers on `.chat`, `.images`, `.transcriptions`."""
    async with running_fake_openai() as fake:
        yield fake
