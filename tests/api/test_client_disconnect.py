"""A client that goes away before its request body arrives is not an error of ours: no traceback, no 500."""
from __future__ import annotations

import logging

from api.main import create_app


async def _post_and_vanish(app, path: str) -> list[dict]:
    sent: list[dict] = []
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"content-length", b"20"), (b"authorization", b"Bearer not-a-token")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_client_gone_before_its_body_is_logged_quietly(container, caplog):
    app = create_app(container)
    with caplog.at_level(logging.INFO):
        sent = await _post_and_vanish(app, "/api/v1/life_wheel")

    gone = [r for r in caplog.records if r.name == "mechta.api" and "went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.INFO and gone[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any(m.get("status") == 500 for m in sent)
