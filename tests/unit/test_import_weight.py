"""Heavy libraries stay out of a process's start: a module imported at start-up keeps its memory for the
process's whole life, so what only a rare path needs is imported on that path (issue #12: RSS)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.utils.processes import REPO_ROOT

# Loaded where they are used: tokens (PyJWT → cryptography), the token cipher, drawn cards, charts, the AI and
# Google clients, migrations (a child process), and test-only tools.
NEVER_AT_START = ["alembic", "mako", "pygments", "matplotlib", "PIL", "openai", "googleapiclient",
                  "cryptography.fernet", "schemathesis", "hypothesis"]


def modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    output = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            check=True)
    return set(json.loads(output.stdout.splitlines()[-1]))


@pytest.mark.parametrize("module", ["bot.__main__", "api.main", "scheduler.__main__"])
def test_process_starts_without_heavy_libraries(module: str) -> None:
    loaded = modules_after(f"import {module}")

    assert sorted(name for name in NEVER_AT_START if name in loaded) == []


def test_bot_starts_without_token_libraries() -> None:
    loaded = modules_after("import bot.__main__")

    assert sorted(name for name in ["jwt", "cryptography.hazmat.bindings._rust"] if name in loaded) == []


def test_api_starts_without_the_bot() -> None:
    loaded = modules_after("import api.main")

    assert sorted(name for name in ["aiogram", "bot"] if name in loaded) == []


def test_calendar_service_is_built_without_cryptography() -> None:
    # The bot's /today builds it (steps follow calendar blocks); Fernet loads with the first token handled.
    loaded = modules_after("from core.bootstrap import Container\nfrom core.config import Settings\n"
                           "settings = Settings(_env_file=None, env='test', database_url='sqlite+aiosqlite://', "
                           "redis_url='', token_encryption_keys='Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=')\n"
                           "Container(settings).calendar")

    assert "cryptography.fernet" not in loaded



TOKEN_ROUND_TRIP = ("import api.main, uuid\nfrom datetime import UTC, datetime, timedelta\n"
                    "from core.security import TokenCodec\ncodec = TokenCodec('s' * 32)\nnow = datetime.now(UTC)\n"
                    "token = codec.encode(subject=uuid.uuid4(), token_type='access', session_id=uuid.uuid4(), "
                    "now=now, ttl=timedelta(minutes=5))\nassert codec.decode(token, now=now)['type'] == 'access'")


def test_api_checks_tokens_without_loading_cryptography() -> None:
    # PyJWT is imported without its RSA/EC algorithms (core.security.pyjwt): HS256 needs only hmac.
    loaded = modules_after(TOKEN_ROUND_TRIP)

    assert "jwt" in loaded
    assert "cryptography.hazmat.bindings._rust" not in loaded


def test_the_token_cipher_still_loads_cryptography_after_pyjwt() -> None:
    loaded = modules_after(TOKEN_ROUND_TRIP + "\nfrom cryptography.fernet import Fernet\nkey = Fernet.generate_key()"
                           "\nassert Fernet(key).decrypt(Fernet(key).encrypt(b'refresh')) == b'refresh'")

    assert "cryptography.fernet" in loaded
