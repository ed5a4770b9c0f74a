"""Schemathesis over the whole OpenAPI schema, in-process (ASGI), signed in: no input makes a server error.

Bounded for the suite (a few examples per operation on SQLite). A long run (see README "Hardening"):
    MECHTA_FUZZ_EXAMPLES=300 MECHTA_FUZZ_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/mechta_fuzz \
    MECHTA_FUZZ_REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m pytest tests/api/test_schemathesis.py -n 0
The application runs its own lifespan (migrations, container) on schemathesis' event loop thread.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from api.main import create_app
from core.config import Settings

EXAMPLES = int(os.environ.get("MECHTA_FUZZ_EXAMPLES", "10"))
BOT_SECRET = "fuzz-bot-secret"
# Operations that would end the run's own sign-in: deleting the account, signing out.
NOT_FUZZED = [("DELETE", "/api/v1/me"), ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/logout-all")]


ROOT = Path(tempfile.mkdtemp(prefix="mechta-fuzz-"))
APP = create_app(settings=Settings(
    _env_file=None, env="test", data_dir=ROOT / "data", uploads_dir=ROOT / "uploads",
    database_url=os.environ.get("MECHTA_FUZZ_DATABASE_URL", f"sqlite+aiosqlite:///{ROOT / 'fuzz.db'}"),
    redis_url=os.environ.get("MECHTA_FUZZ_REDIS_URL", ""), redis_prefix=f"mechta-fuzz:{uuid.uuid4().hex[:8]}:",
    jwt_secret_key="fuzz-jwt-secret-" + "x" * 32, bot_secret_key=BOT_SECRET,
    token_encryption_keys="Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=", bot_token="123456:FUZZ",
    rate_limits_enabled=False,  # one signed-in client sends thousands of requests: limits would answer most
), run_migrations=True)
# The schema straight from the app object: loading it costs no request, so collecting the suite starts nothing.
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP
for _method, _path in NOT_FUZZED:
    schema = schema.exclude(method=_method, path=_path)
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def auth_headers() -> Iterator[dict[str, str]]:
    """Signed in through the API itself; the app's lifespan (migrations, container) starts here, on
    schemathesis' event loop thread, and every fuzzed call shares it."""
    with asgi.get_client(APP) as client:
        signed_in = client.post("http://testserver/api/v1/auth/telegram", json={"telegram_id": 4242001},
                                headers={"X-Bot-Secret": BOT_SECRET})
        assert signed_in.status_code == 200, signed_in.text
        yield {"Authorization": f"Bearer {signed_in.json()['result']['access_token']}"}
    asgi.shutdown_lifespans()
    shutil.rmtree(ROOT, ignore_errors=True)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_input_makes_a_server_error(case, auth_headers) -> None:
    case.call_and_validate(headers=auth_headers, checks=[not_a_server_error])
