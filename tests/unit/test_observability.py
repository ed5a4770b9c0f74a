"""JSON logs with the known ids, metrics summed over processes, and the webhook settings' checks."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.config import Settings
from core.logs import bound, configure_logging
from tests.utils.processes import REPO_ROOT


@pytest.fixture
def restore_logging():
    yield
    configure_logging("INFO", "text")


def test_json_logs_are_one_object_a_line_with_the_bound_ids(capsys, restore_logging) -> None:
    configure_logging("INFO", "json")

    with bound(update_id=42, user_id="u-1"):
        logging.getLogger("mechta.test").info("handled %s", "it")
    logging.getLogger("mechta.test").warning("outside")

    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["level"] == "INFO" and first["logger"] == "mechta.test" and first["message"] == "handled it"
    assert (first["update_id"], first["user_id"]) == (42, "u-1")
    assert second["message"] == "outside" and "update_id" not in second


def test_text_logs_stay_readable_and_name_the_ids(capsys, restore_logging) -> None:
    configure_logging("INFO", "text")

    with bound(update_id=7):
        logging.getLogger("mechta.test").info("hello")

    line = capsys.readouterr().err.strip()
    assert line.endswith("INFO mechta.test: hello [update_id=7]")


def test_metrics_of_several_processes_add_up(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    count = "from core import metrics; metrics.webhook_update('handled')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, cwd=REPO_ROOT, check=True)

    page = subprocess.run([sys.executable, "-c", "from core import metrics; print(metrics.render()[0].decode())"],
                          env=env, cwd=REPO_ROOT, check=True, capture_output=True, text=True).stdout

    assert 'mechta_webhook_updates_total{outcome="handled"} 2.0' in page


@pytest.mark.parametrize("url", ["http://example.com/api/v1/telegram/webhook", "ftp://example.com/x", "example.com"])
def test_a_webhook_url_must_be_https_unless_it_is_loopback(url: str) -> None:
    with pytest.raises(ValidationError, match="https"):
        Settings(_env_file=None, bot_webhook_url=url, bot_webhook_secret="s")


def test_a_webhook_needs_a_secret_and_a_bad_secret_is_not_echoed() -> None:
    with pytest.raises(ValidationError, match="requires BOT_WEBHOOK_SECRET"):
        Settings(_env_file=None, bot_webhook_url="https://mechta.example/api/v1/telegram/webhook")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, bot_webhook_url="https://mechta.example/x", bot_webhook_secret="top secret!")
    assert "top secret" not in str(refused.value)


def test_plain_http_is_fine_for_a_loopback_webhook() -> None:
    settings = Settings(_env_file=None, bot_webhook_url="http://127.0.0.1:9000/api/v1/telegram/webhook",
                        bot_webhook_secret="s")

    assert settings.webhook_enabled
