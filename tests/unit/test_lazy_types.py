"""aiogram's type validators are built on first use (bot/lazy_types.py): nothing is built at import, every model
aiogram defines can still be built, and a build resolves aiogram's own types whatever the calling code names alike."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.utils.processes import REPO_ROOT

PROBE = """
import json
import bot.__main__
import aiogram.types
from bot.lazy_types import aiogram_models

built_at_import = sorted(m.__name__ for m in (aiogram.types.Update, aiogram.types.Message, aiogram.types.User)
                         if m.__pydantic_complete__)
# The code that happens to build a model first may name other things User, Chat or Message (our ORM User does).
User = Chat = Message = object()
update = aiogram.types.Update.model_validate({"update_id": 1, "message": {
    "message_id": 7, "date": 1700000000, "chat": {"id": 5, "type": "private"},
    "from": {"id": 5, "is_bot": False, "first_name": "Ann"}, "text": "hi"}})
failed = []
for model in aiogram_models():
    try:
        model.model_rebuild()
    except Exception as error:
        failed.append(f"{model.__name__}: {error}")
print(json.dumps({"built_at_import": built_at_import, "failed": failed, "models": len(aiogram_models()),
                  "sender": type(update.message.from_user).__module__, "chat": type(update.message.chat).__module__}))
"""


def run_probe() -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    output = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            check=True)
    return json.loads(output.stdout.splitlines()[-1])


def test_aiogram_types_build_on_first_use_and_every_one_can() -> None:
    probe = run_probe()

    assert probe["built_at_import"] == []
    assert probe["models"] > 400
    assert probe["failed"] == []
    assert (probe["sender"], probe["chat"]) == ("aiogram.types.user", "aiogram.types.chat")
