"""The OpenAPI documents the errors each operation can answer with, in the envelope, with the codes behind them."""
from __future__ import annotations

import pytest

from core.config import Settings
from tests.api.seed_shapes import parse_error_codes, seed_001_path


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    from api.main import create_app

    root = tmp_path_factory.mktemp("openapi")
    app = create_app(settings=Settings(_env_file=None, env="test", data_dir=root,
                                       database_url=f"sqlite+aiosqlite:///{root / 'unused.db'}"))
    return app.openapi()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_signed_in_operation_documents_401_and_every_error_is_the_envelope(spec) -> None:
    for method, path, operation in _operations(spec):
        responses = operation["responses"]
        if operation.get("security"):
            assert "401" in responses, (method, path)
        for status, response in responses.items():
            if status.startswith(("4", "5")) and "application/json" in response.get("content", {}):
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorEnvelope"}, (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_domain_codes_are_listed_under_their_status(spec) -> None:
    goal = spec["paths"]["/api/v1/goals/{goal_id}"]["put"]["responses"]
    assert "`GOAL_NOT_FOUND`" in goal["404"]["description"]
    tip = spec["paths"]["/api/v1/esoterics/today"]["get"]["responses"]["502"]["description"]
    assert "`ESOTERICS_AI_PROXY_ERROR`" in tip and "`ESOTERICS_AI_FAILED`" in tip
    commit = spec["paths"]["/api/v1/rituals/weekly/commit"]["post"]["responses"]
    assert "`RITUALS_STEPS_NOT_FOUND`" in commit["404"]["description"]
    create_area = spec["paths"]["/api/v1/areas"]["post"]["responses"]
    assert "`AUTH_FORBIDDEN`" in create_area["403"]["description"]
    assert "`AREA_ALREADY_EXISTS`" in create_area["400"]["description"]


def test_business_rules_are_in_the_schema(spec) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["UserPublic"]["properties"]["morning_time"]["pattern"] == r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
    scores = schemas["LifeWheelCreate"]["properties"]["scores"]
    assert scores["minProperties"] == 1 and scores["additionalProperties"]["maximum"] == 10
    assert "After `start`" in str(schemas["EventIn"]["properties"]["end"])


def test_every_error_code_seed_001_names_is_documented_with_the_seeds_status(spec) -> None:
    seed = parse_error_codes(seed_001_path().read_text(encoding="utf-8"))
    problems = []
    for (method, path), codes in seed.items():
        responses = spec["paths"][path][method.lower()]["responses"]
        for code, statuses in codes.items():
            documented = {int(status) for status, response in responses.items()
                          if f"`{code}`" in response.get("description", "")}
            if not documented or (statuses and not documented & statuses):
                problems.append(f"{method} {path} {code}: seed {sorted(statuses)}, documented {sorted(documented)}")
    assert len([c for codes in seed.values() for c in codes]) >= 40
    assert problems == []
