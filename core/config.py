"""Settings from the environment and `.env` (pydantic-settings), one cached instance per process."""
from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.errors import ConfigurationError

# Secrets that development generates once (kept in DATA_DIR/secrets.json) and production must be given.
GENERATED_SECRETS = ("jwt_secret_key", "bot_secret_key", "token_encryption_keys")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Settings held as SecretStr: never printed in a repr, a log or a validation error.
SECRET_SETTINGS = frozenset({"bot_token", "jwt_secret_key", "bot_secret_key", "token_encryption_keys", "openai_api_key",
                             "google_client_secret", "smtp_password", "metrics_token", "bot_webhook_secret"})
# What Telegram accepts as setWebhook's secret_token.
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      hide_input_in_errors=True)  # errors never echo a secret

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./data")
    log_level: str = "INFO"

    database_url: str = "sqlite+aiosqlite:///./data/mechta.db"
    database_echo: bool = False
    # A database that does not answer makes requests fail fast with 503 instead of hanging.
    database_connect_timeout_seconds: float = Field(3.0, gt=0)
    database_pool_timeout_seconds: float = Field(5.0, gt=0)
    database_retry_after_seconds: int = Field(5, ge=1)
    redis_url: str = ""
    redis_prefix: str = "mechta:"
    # Redis is a cache and a coordinator: each call gives up after this long, and after a failure Redis is skipped
    # (in-process fallbacks) and probed in the background every breaker period until it answers.
    redis_timeout_seconds: float = Field(0.5, gt=0, le=0.5)
    redis_breaker_seconds: float = Field(5.0, gt=0)

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated IPs or CIDRs, "*" for any);
    # empty: the client is the connection's own address.
    forwarded_allow_ips: str = ""

    # Incoming rate limits (`limits` notation: "5/minute", "10 per hour"); per client = user id, else IP.
    rate_limits_enabled: bool = True
    rate_limit_per_minute: int = Field(100, ge=1)
    rate_limit_signin: str = "5/minute"  # per IP
    rate_limit_signup: str = "10/hour"  # per IP
    rate_limit_refresh: str = "30/minute"  # per IP
    rate_limit_password_reset: str = "10/hour"  # per IP: asking for a reset link and using one
    rate_limit_verification: str = "10/minute"  # per IP: checking codes and asking for new ones
    rate_limit_feed: str = "60/minute"  # per IP: the ICS feed (its token is the secret)
    public_base_url: str = ""
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    docs_enabled: bool | None = None  # /docs and /redoc; default: on except in production

    jwt_secret_key: SecretStr = SecretStr("")
    jwt_algorithm: str = "HS256"
    access_token_expire_minutes: int = 15
    refresh_token_expire_days: int = 30
    # How long a checked access token's user and session stay cached (Redis + in-process; dropped at once on any
    # revocation or user change). 0 = check the database on every request.
    auth_identity_cache_seconds: int = 30
    bot_secret_key: SecretStr = SecretStr("")
    token_encryption_keys: SecretStr = SecretStr("")  # comma-separated Fernet keys, newest first (MultiFernet rotation)

    # Failed sign-ins slow the guesser, never lock the account: after SIGNIN_MAX_FAILURES from one IP for one
    # account, or SIGNIN_IP_MAX_FAILURES from one IP for any, that IP waits out the window (429).
    signin_max_failures: int = 5
    signin_ip_max_failures: int = 20
    signin_failure_window_seconds: int = 900
    verification_code_ttl_minutes: int = 30
    verification_max_attempts: int = 5
    password_reset_ttl_minutes: int = 60

    bot_token: SecretStr = SecretStr("")
    telegram_api_url: str = ""
    telegram_webapp_max_age_seconds: int = 86400
    # Anti-flood per person: a burst of 5 updates, then one more every this many seconds (0 = off).
    bot_throttle_seconds: float = 0.5
    # How long a process reuses a user it read (the bot reads its person on every update). Changes made through
    # this process are seen at once; a change made by another replica, after at most this long. 0 switches it off.
    user_cache_seconds: float = Field(10, ge=0)

    openai_api_key: SecretStr = SecretStr("")
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    openai_image_model: str = "gpt-image-1"
    # Voice notes: transcribed through the OpenAI audio API (any OpenAI-compatible base URL), then used as text.
    openai_transcribe_model: str = "gpt-4o-mini-transcribe"
    voice_max_seconds: int = 120
    openai_timeout_seconds: float = 60.0
    openai_max_retries: int = 2
    # The free-text coach: turns of the conversation it remembers (cleared by /newchat) and the size of the
    # person's context it is given, in tokens (about 4 characters each).
    coach_memory_turns: int = Field(12, ge=2, le=50)
    coach_context_tokens: int = Field(1500, ge=200, le=8000)

    google_client_id: str = ""
    google_client_secret: SecretStr = SecretStr("")
    google_api_url: str = ""
    google_auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    google_token_uri: str = "https://oauth2.googleapis.com/token"
    google_revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    google_connect_link_ttl_minutes: int = 30
    google_oauth_state_ttl_minutes: int = 10
    google_channel_ttl_hours: int = 168
    google_channel_renew_before_hours: int = 24
    # Without a push channel (no https PUBLIC_BASE_URL), each connected calendar syncs this often; 0 turns it off.
    google_poll_minutes: int = 5
    google_bulk_concurrency: int = 5

    calendar_work_days: str = "mon,tue,wed,thu,fri"
    calendar_work_hours: str = "09:00-18:00"
    calendar_personal_hours: str = "19:00-21:00"
    calendar_weekend_hours: str = "10:00-13:00"
    calendar_buffer_minutes: int = 10
    calendar_daily_cap_minutes: int = 120
    calendar_min_block_minutes: int = 15
    calendar_default_step_minutes: int = 30
    calendar_cache_ttl_seconds: int = 300
    calendar_sync_debounce_seconds: int = 10

    uploads_dir: Path = Path("./data/uploads")

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "Mechta <no-reply@mechta.local>"
    smtp_starttls: bool = True

    scheduler_tick_seconds: int = 30
    scheduler_batch_size: int = 200
    scheduler_claim_lease_seconds: int = 120
    ritual_grace_minutes: int = 60
    telegram_send_rate: float = 25.0

    # Production at scale: webhook mode, metrics, logs.
    log_format: Literal["text", "json"] = "text"
    metrics_token: SecretStr = SecretStr("")
    bot_webhook_url: str = ""
    bot_webhook_secret: SecretStr = SecretStr("")
    bot_webhook_max_connections: int = Field(40, ge=1, le=100)
    bot_webhook_claim_lease_seconds: int = Field(30, ge=2)
    bot_webhook_done_ttl_hours: int = Field(24, ge=1)
    bot_chat_lock_seconds: int = Field(60, ge=1)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return []
            if value.startswith("["):
                return json.loads(value)
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("rate_limit_signin", "rate_limit_signup", "rate_limit_refresh", "rate_limit_password_reset",
                     "rate_limit_verification", "rate_limit_feed")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit like '5/minute' or '10 per hour'") from exc
        return value

    @property
    def forwarded_allow_list(self) -> list[str]:
        return [item.strip() for item in self.forwarded_allow_ips.split(",") if item.strip()]

    @field_validator("docs_enabled", mode="before")
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_webhook_url")
    @classmethod
    def _webhook_url_is_public(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        url = urlsplit(value)
        if url.scheme == "https" and url.hostname:
            return value
        if url.scheme == "http" and url.hostname in LOOPBACK_HOSTS:
            return value  # tests and a local proxy; Telegram itself only calls https
        raise ValueError("BOT_WEBHOOK_URL must be an https:// URL (plain http only for 127.0.0.1 or localhost)")

    @field_validator("bot_webhook_secret")
    @classmethod
    def _webhook_secret_is_telegram_shaped(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value() and not WEBHOOK_SECRET_PATTERN.fullmatch(value.get_secret_value()):
            raise ValueError("BOT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> Settings:
        if self.bot_webhook_url and not self.bot_webhook_secret.get_secret_value():
            # Every replica must check the same secret, so it cannot be generated per machine.
            raise ValueError("BOT_WEBHOOK_URL requires BOT_WEBHOOK_SECRET (the same on every replica)")
        return self

    @property
    def webhook_enabled(self) -> bool:
        """Updates arrive at POST /api/v1/telegram/webhook of every web replica instead of a poller."""
        return bool(self.bot_webhook_url)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def docs_served(self) -> bool:
        """/docs and /redoc: on in development, off in production unless DOCS_ENABLED=true."""
        return self.docs_enabled if self.docs_enabled is not None else not self.is_production

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def playground_enabled(self) -> bool:
        """The local Bot API emulator runs only when no real bot token is configured."""
        return not self.bot_token.get_secret_value() and not self.is_production

    @property
    def effective_public_base_url(self) -> str:
        return (self.public_base_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def effective_telegram_api_url(self) -> str:
        if self.telegram_api_url:
            return self.telegram_api_url.rstrip("/")
        if self.playground_enabled:
            return f"http://{self.api_host}:{self.api_port}/tg"
        return "https://api.telegram.org"

    @property
    def effective_bot_token(self) -> str:
        """Playground mode uses a fixed local token; the emulator accepts any well-formed one."""
        return self.bot_token.get_secret_value() or "100000:playground"

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Settings:
        """As pydantic's, with a plain string given for a secret setting kept as a SecretStr."""
        if update:
            update = {name: SecretStr(value) if name in SECRET_SETTINGS and isinstance(value, str) else value
                      for name, value in update.items()}
        return super().model_copy(update=update, deep=deep)

    def ensure_secrets(self) -> Settings:
        """Fill empty secrets: an error in production, generated once and persisted in development.
        Production also needs a mail server: the development outbox keeps codes and reset links in files."""
        if self.is_production and not self.smtp_host:
            raise ConfigurationError("ENV=production requires SMTP_HOST: without a mail server, verification "
                                     "codes and password-reset links would only be written to local files")
        missing = [name for name in GENERATED_SECRETS if not getattr(self, name).get_secret_value()]
        if not missing:
            return self
        if self.is_production:
            names = ", ".join(name.upper() for name in missing)
            raise ConfigurationError(f"ENV=production requires these settings to be set: {names}")
        stored = _load_or_create_dev_secrets(self.data_dir / "secrets.json")
        return self.model_copy(update={name: stored[name] for name in missing})


def _generate_secret(name: str) -> str:
    if name == "token_encryption_keys":
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()
    return secrets.token_urlsafe(48)


def _load_or_create_dev_secrets(path: Path) -> dict[str, str]:
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for name in GENERATED_SECRETS:
        if not stored.get(name):
            stored[name] = _generate_secret(name)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return stored


@lru_cache
def get_settings() -> Settings:
    return Settings().ensure_secrets()


def startup_settings() -> Settings:
    """get_settings() for a process entry point: a configuration problem ends the start with its message,
    not a traceback."""
    try:
        return get_settings()
    except ConfigurationError as exc:
        raise SystemExit(f"Mechta cannot start: {exc}") from None
