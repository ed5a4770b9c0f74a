"""OpenAI (or any OpenAI-compatible server) behind the AIProvider port: strict JSON-schema outputs, validated
with pydantic, one repair retry; pictures as base64 from `images.generate`."""
from __future__ import annotations

import base64
import binascii
import copy
import re
from collections.abc import Callable
from typing import Any

import openai
from pydantic import ValidationError

from core.clients.ai.base import (
    PROVENANCE_FIELDS,
    AIUsage,
    InvalidOutput,
    ProviderError,
    ProviderTimeout,
    T,
    normalize_locale,
)
from core.config import Settings

REPAIR_REQUEST = {
    "ru": ("Ваш ответ не прошёл проверку: {error}\nОтветьте ещё раз только корректным JSON-объектом по заданной "
           "схеме, без пояснений."),
    "en": ("Your answer failed validation: {error}\nAnswer again with only a valid JSON object that follows the "
           "given schema, with no commentary."),
}
# Validation messages can echo the whole bad answer; the model needs the gist, not an essay.
MAX_REPAIR_ERROR_CHARS = 2000


def strict_json_schema(model: type[T]) -> dict[str, Any]:
    """The model's JSON schema in the form OpenAI's strict mode accepts: every object closed, every property
    required (optional ones stay nullable), no defaults, provenance fields left out."""
    schema = copy.deepcopy(model.model_json_schema())
    for name in PROVENANCE_FIELDS:
        schema.get("properties", {}).pop(name, None)
    _close_objects(schema)
    return schema


def _close_objects(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("default", None)
        if node.get("type") == "object" or "properties" in node:
            properties = node.setdefault("properties", {})
            node["additionalProperties"] = False
            node["required"] = list(properties)
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for item in node:
            _close_objects(item)


def _schema_name(feature: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", feature)[:64] or "output"


class OpenAIProvider:
    name = "openai"
    is_offline = False

    def __init__(self, settings: Settings, client: openai.AsyncOpenAI | None = None) -> None:
        self.model = settings.openai_model
        self.image_model = settings.openai_image_model
        self.transcribe_model = settings.openai_transcribe_model
        self.client = client or openai.AsyncOpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url or None,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )

    async def complete_structured(
        self,
        messages: list[dict[str, str]],
        schema: type[T],
        *,
        feature: str,
        timeout: float,
        locale: str,
        offline_draft: Callable[[], T],
    ) -> tuple[T, AIUsage]:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": _schema_name(feature), "schema": strict_json_schema(schema), "strict": True},
        }
        conversation = list(messages)
        prompt_tokens = completion_tokens = 0
        for attempt in range(2):
            completion = await self._chat(conversation, response_format, timeout)
            if completion.usage is not None:
                prompt_tokens += completion.usage.prompt_tokens or 0
                completion_tokens += completion.usage.completion_tokens or 0
            content = completion.choices[0].message.content if completion.choices else None
            try:
                parsed = schema.model_validate_json(content or "")
            except ValidationError as exc:
                if attempt:
                    raise InvalidOutput(f"{feature}: invalid output after a repair retry: {exc}") from exc
                error = str(exc)[:MAX_REPAIR_ERROR_CHARS]
                conversation += [
                    {"role": "assistant", "content": content or ""},
                    {"role": "user", "content": REPAIR_REQUEST[normalize_locale(locale)].format(error=error)},
                ]
                continue
            usage = AIUsage(self.name, completion.model or self.model, prompt_tokens, completion_tokens)
            return parsed.model_copy(update={"generated_by": "openai", "notice": None}), usage
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _chat(self, messages: list[dict[str, str]], response_format: dict[str, Any], timeout: float):
        try:
            return await self.client.chat.completions.create(
                model=self.model, messages=messages, response_format=response_format, timeout=timeout,
            )
        except openai.APITimeoutError as exc:
            raise ProviderTimeout(str(exc)) from exc
        except openai.OpenAIError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc

    async def transcribe(self, audio: bytes, *, filename: str, locale: str, timeout: float) -> tuple[str, AIUsage]:
        try:
            answer = await self.client.audio.transcriptions.create(
                model=self.transcribe_model, file=(filename, audio), language=normalize_locale(locale),
                timeout=timeout)
        except openai.APITimeoutError as exc:
            raise ProviderTimeout(str(exc)) from exc
        except openai.OpenAIError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        return (answer.text or "").strip(), AIUsage(self.name, self.transcribe_model)

    async def generate_image(self, prompt: str, *, size: str, title: str, locale: str, timeout: float) -> bytes:
        # DALL·E models answer with URLs unless asked for base64; GPT image models always send base64 and
        # reject the parameter.
        extra: dict[str, Any] = {"response_format": "b64_json"} if self.image_model.startswith("dall-e") else {}
        try:
            response = await self.client.images.generate(
                model=self.image_model, prompt=prompt, size=size, n=1, timeout=timeout, **extra,
            )
        except openai.APITimeoutError as exc:
            raise ProviderTimeout(str(exc)) from exc
        except openai.OpenAIError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        encoded = response.data[0].b64_json if response.data else None
        if not encoded:
            raise InvalidOutput("the image answer has no b64_json")
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidOutput("the image answer is not valid base64") from exc


__all__ = ["OpenAIProvider", "strict_json_schema"]
