"""The OpenAPI tells the truth: schemathesis runs every operation in-process (ASGI) with a valid token and checks that
each answer's status is documented, its content type is the documented one and its body validates against the
documented schema (and that nothing is a 500).

Bounded: a few examples per operation on SQLite with the in-process cache. DELETE /me is left out (it deletes the
token's user), and so are the two sign-outs (they end the token's session, which would turn the rest into 401s).
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.bootstrap import Container
from core.config import Settings
from core.db.migrate import upgrade_async
from tests.helpers import auth_headers, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 4


def _settings(root: Path) -> Settings:
    return Settings(_env_file=None, env="test", database_url=f"sqlite+aiosqlite:///{root / 'conformance.db'}",
                    redis_url="", data_dir=root / "data", uploads_dir=root / "uploads",
                    jwt_secret_key="conformance-jwt-secret-" + "x" * 32, bot_secret_key="conformance-bot-secret",
                    token_encryption_keys="Tz4mDqMf2f3Bkq0e2vJm8zV3gkS2mBUfVn7lq2v9m0E=", bot_token="123456:TEST",
                    openai_api_key="", google_client_id="", google_client_secret="")


async def _migrated_user_token(settings: Settings) -> dict[str, str]:
    await upgrade_async(settings.database_url)
    container = Container(settings)
    try:
        user = await make_user(container, time_zone="Europe/Berlin")
        return await auth_headers(container, user)
    finally:
        await container.close()


def _schema():
    from api.main import create_app

    root = Path(tempfile.mkdtemp(prefix="mechta-conformance-"))
    atexit.register(shutil.rmtree, root, True)  # also when the test is deselected
    app = create_app(settings=_settings(root), run_migrations=False)
    loaded = schemathesis.openapi.from_dict(app.openapi())
    loaded.app = app
    loaded.location = "/openapi.json"
    return (loaded.exclude(method="DELETE", path="/api/v1/me")
            .exclude(method="POST", path_regex=r"^/api/v1/auth/logout(-all)?$")), app, root


schema, _app, _root = _schema()


@pytest.fixture(scope="module")
async def token_headers() -> dict[str, str]:
    """Migrate the app's database and sign a user in before the first request (the app builds its own container)."""
    return await _migrated_user_token(_settings(_root))


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_every_operation_answers_as_documented(case, token_headers) -> None:
    case.call_and_validate(headers=token_headers, checks=CHECKS)
