"""Process-wide logging: readable text by default, one JSON object a line with LOG_FORMAT=json.

Every record carries the ids known where it was logged — `request_id` (API), `update_id` and `user_id` (bot) —
taken from context variables when the record is created (a log record factory), so every handler sees them and
a line can be traced back without threading ids through every call. Secrets that travel in URLs (the ICS feed
token, picture signatures, one-time link tokens, OAuth codes) are masked in access-log lines the same way.
"""
from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import parse_qsl, urlencode

update_id_var: ContextVar[int | None] = ContextVar("update_id", default=None)
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)

# name → reader of the current value; the web process adds the API's request id.
_CONTEXT_FIELDS: dict[str, Callable[[], object]] = {
    "update_id": update_id_var.get,
    "user_id": user_id_var.get,
}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Chatty below WARNING; aiosqlite's DEBUG lines and httpx's request lines would carry SQL parameters and URLs.
QUIET_LOGGERS = ("httpx", "httpcore", "aiosqlite", "aiogram.event", "apscheduler.executors.default")


MASK = "***"
# Query parameters whose values are secrets, and path segments that are.
SECRET_QUERY_PARAMS = frozenset({"token", "sig", "signature", "code", "t", "state", "key", "secret", "password",
                                 "access_token", "refresh_token", "id_token", "init_data", "initdata"})
_SECRET_PATHS = (
    re.compile(r"(/calendar/feed/)[^/?]+?(\.ics)"),
    re.compile(r"(/bot)[^/?]+(/)"),  # Bot API URLs carry the bot token: /bot<token>/method, /file/bot<token>/path
)
# Where a URL sits in the arguments of a logger's lines: uvicorn's access line (client address, method, full
# path, HTTP version, status code) and httpx's "HTTP Request: %s %s ..." (method, URL, ...).
_URL_ARG = {"uvicorn.access": 2, "httpx": 1}


def mask_url(url: str) -> str:
    """`url` (a path with an optional query string) with secret values replaced by ***."""
    path, question, query = url.partition("?")
    for pattern in _SECRET_PATHS:
        path = pattern.sub(rf"\g<1>{MASK}\g<2>", path)
    if not question:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(name, MASK if name.lower() in SECRET_QUERY_PARAMS else value) for name, value in pairs]
    return f"{path}?{urlencode(masked, safe='*')}"


def add_context_field(name: str, read: Callable[[], object]) -> None:
    """Log `name` on every record where `read()` returns something (a ContextVar's `get`, for instance)."""
    _CONTEXT_FIELDS[name] = read
    install_record_factory()


_base_factory: Callable[..., logging.LogRecord] | None = None


def _make_record(*args: object, **kwargs: object) -> logging.LogRecord:
    # The ids are set here, so pass them through bound() or a ContextVar, never as `extra=` (logging refuses an
    # extra key the record already has).
    assert _base_factory is not None
    record = _base_factory(*args, **kwargs)
    for name, read in _CONTEXT_FIELDS.items():
        value = read()
        if value not in (None, "") and not hasattr(record, name):
            setattr(record, name, value)
    position = _URL_ARG.get(record.name)
    if position is not None and isinstance(record.args, tuple) and len(record.args) > position:
        args = list(record.args)
        args[position] = mask_url(str(args[position]))
        record.args = tuple(args)
    return record


def install_record_factory() -> None:
    """Context ids and URL masking on every record, whatever handler (a file, stderr, pytest's caplog) gets it."""
    global _base_factory
    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_make_record)


@contextmanager
def bound(*, update_id: int | None = None, user_id: object | None = None) -> Iterator[None]:
    """Within the block, records carry these ids."""
    tokens = []
    if update_id is not None:
        tokens.append((update_id_var, update_id_var.set(update_id)))
    if user_id is not None:
        tokens.append((user_id_var, user_id_var.set(str(user_id))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class TextFormatter(logging.Formatter):
    """The classic line, with the known ids appended in brackets."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{name}={getattr(record, name)}" for name in _CONTEXT_FIELDS if hasattr(record, name))
        return f"{line} [{ids}]" if ids else line


def quiet_noisy_loggers() -> None:
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    install_record_factory()
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter  # only JSON logs need it

        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
            timestamp=False,
        ))
    else:
        handler.setFormatter(TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_noisy_loggers()
    route_uvicorn_logs_to_root()


def route_uvicorn_logs_to_root() -> None:
    """uvicorn's own loggers propagate to ours, so access and error lines share the format (and the masking)."""
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.disabled = False
        uvicorn_logger.propagate = True
