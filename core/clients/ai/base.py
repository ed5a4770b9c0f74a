"""The AI port: tasks with versioned prompts and typed outputs, one provider protocol, its errors.

A feature describes its AI work once as an `AITask` (prompt, output model, offline draft). `AIService.run`
reserves quota, picks the provider, records usage and turns provider errors into the feature's error codes.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"

OFFLINE_NOTICE = {
    "ru": "⚙️ Офлайн-черновик: ИИ не подключён, текст собран из ваших собственных слов.",
    "en": "⚙️ Offline draft: no AI key is configured, so this is built from your own words.",
}


class AIOutput(BaseModel):
    """Base of every task output. `generated_by`/`notice` are filled by the provider, never by the model:
    they are left out of the JSON schema sent to the AI, so the user always sees where a text came from."""

    generated_by: Literal["openai", "offline"] = "openai"
    notice: str | None = None


T = TypeVar("T", bound=AIOutput)

# Fields of AIOutput that describe provenance; providers set them, models never see them.
PROVENANCE_FIELDS = frozenset(AIOutput.model_fields)


def normalize_locale(locale: str | None) -> str:
    return locale if locale in LOCALES else DEFAULT_LOCALE


def offline_notice(locale: str | None) -> str:
    return OFFLINE_NOTICE[normalize_locale(locale)]


class _TemplateInputs(dict):
    """Inputs for `str.format_map`: lists and dicts become readable JSON, a missing name fails loudly."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        if isinstance(value, (dict, list, tuple)):
            return json.dumps(value, ensure_ascii=False, indent=1, default=str)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Prompt:
    """A versioned pair of templates per locale ("ru", "en"); `{name}` placeholders come from the task inputs."""

    version: str
    system: Mapping[str, str]
    user: Mapping[str, str]

    def render(self, inputs: Mapping[str, Any], locale: str) -> list[dict[str, str]]:
        locale = normalize_locale(locale)
        values = _TemplateInputs(inputs)
        return [
            {"role": "system", "content": self.system[locale].format_map(values)},
            {"role": "user", "content": self.user[locale].format_map(values)},
        ]


@dataclass(frozen=True)
class AITask(Generic[T]):
    """One kind of AI work. `offline(inputs, locale)` must be deterministic and built from the user's own text."""

    feature: str
    output: type[T]
    prompt: Prompt
    offline: Callable[[dict[str, Any], str], T]


@dataclass(frozen=True)
class AIUsage:
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ProviderTimeout(Exception):
    """The provider did not answer within the configured time."""


class ProviderError(Exception):
    """The provider answered with an error, could not be reached, or sent something unusable."""


class InvalidOutput(ProviderError):
    """The model's answer did not validate against the task's output model, even after one repair retry."""


class AIProvider(Protocol):
    name: str
    model: str
    image_model: str

    @property
    def is_offline(self) -> bool: ...

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
        """A validated `schema` instance with provenance set. Online providers ignore `offline_draft`;
        the offline provider returns it (labelled) instead of calling anything."""
        ...

    async def generate_image(self, prompt: str, *, size: str, title: str, locale: str, timeout: float) -> bytes:
        """PNG (or other image) bytes for the prompt; `title` labels the offline picture card."""
        ...

    async def transcribe(self, audio: bytes, *, filename: str, locale: str, timeout: float) -> tuple[str, AIUsage]:
        """The words spoken in `audio`. The offline provider cannot listen: it raises ProviderOffline."""
        ...


class ProviderOffline(ProviderError):
    """The offline provider was asked for something only a real model can do (hearing a voice note)."""
