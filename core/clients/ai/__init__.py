"""AI port (base), its OpenAI adapter and the offline stand-in used when no API key is configured."""
from __future__ import annotations

from core.clients.ai.base import AIProvider
from core.config import Settings


def create_ai_provider(settings: Settings) -> AIProvider:
    if settings.openai_api_key.get_secret_value():
        from core.clients.ai.openai_provider import OpenAIProvider

        return OpenAIProvider(settings)
    from core.clients.ai.offline_provider import OfflineProvider

    return OfflineProvider()
