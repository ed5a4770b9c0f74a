"""The development outbox and the SMTP mailer (against a small in-process SMTP server)."""
from __future__ import annotations

import asyncio
import base64
import logging
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from core.clients.mail import MailMessage, OutboxMailer, SmtpMailer, create_mailer
from core.config import Settings
from core.errors import ConfigurationError


def _settings(tmp_path: Path, **values) -> Settings:
    return Settings(_env_file=None, env="test", data_dir=tmp_path, **values)


async def test_outbox_writes_a_file_and_a_warning_naming_only_the_file(tmp_path: Path, caplog) -> None:
    mailer = create_mailer(_settings(tmp_path))
    assert isinstance(mailer, OutboxMailer)
    with caplog.at_level(logging.WARNING, logger="mechta.mail"):
        await mailer.send(MailMessage(to="a/b@example.com", subject="Code 123456", text="Код: 123456"))
        await mailer.send(MailMessage(to="a/b@example.com", subject="Code 654321", text="Код: 654321"))
    files = sorted((tmp_path / "outbox").glob("*.txt"))
    assert len(files) == 2 and all(f.name.endswith("-a_b@example.com.txt") for f in files)
    assert files[0].read_text(encoding="utf-8").endswith("Код: 123456\n")
    log_text = (tmp_path / "outbox" / "outbox.log").read_text(encoding="utf-8")
    assert "123456" in log_text and "654321" in log_text
    assert "[DEV OUTBOX — not sent]" in caplog.text and files[1].name in caplog.text
    assert "123456" not in caplog.text and "654321" not in caplog.text


def test_production_without_smtp_has_no_mailer(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SMTP_HOST"):
        create_mailer(_settings(tmp_path).model_copy(update={"env": "production"}))


class RecordingSmtpServer:
    """Just enough SMTP to accept a message: records the AUTH line and the DATA it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.auth_lines: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 test ESMTP\r\n")
        data: list[bytes] | None = None
        while line := await reader.readline():
            if data is not None:
                if line == b".\r\n":
                    self.messages.append(b"".join(data))
                    data = None
                    writer.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                writer.write(b"250-test\r\n250 AUTH PLAIN\r\n")
            elif verb == b"AUTH":
                self.auth_lines.append(line.strip())
                writer.write(b"235 ok\r\n")
            elif verb == b"DATA":
                data = []
                writer.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_smtp_mailer_delivers_a_plain_text_message(tmp_path: Path) -> None:
    server = RecordingSmtpServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                         smtp_username="mailer", smtp_password="secret", smtp_from="Mechta <bot@mechta.test>")
    mailer = create_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    try:
        await mailer.send(MailMessage(to="user@example.com", subject="Код 123456", text="Ваш код: 123456"))
    finally:
        listener.close()
        await listener.wait_closed()
    sent = message_from_bytes(server.messages[0], policy=default)
    assert sent["To"] == "user@example.com" and sent["From"] == "Mechta <bot@mechta.test>"
    assert sent["Subject"] == "Код 123456" and "Ваш код: 123456" in sent.get_content()
    assert base64.b64decode(server.auth_lines[0].split()[-1]) == b"\0mailer\0secret"
    assert not (tmp_path / "outbox").exists()
