"""Outgoing mail: SMTP when SMTP_HOST is set, otherwise a development outbox on disk (never sent)."""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from core.config import Settings
from core.errors import ConfigurationError

log = logging.getLogger("mechta.mail")

_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9@._+-]")


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    backend: str

    async def send(self, message: MailMessage) -> None: ...


class SmtpMailer:
    """Sends through an SMTP server: implicit TLS on port 465, otherwise STARTTLS when SMTP_STARTTLS is on."""

    backend = "smtp"

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username or None
        self.password = settings.smtp_password.get_secret_value() or None
        self.sender = settings.smtp_from
        self.starttls = settings.smtp_starttls
        self.timeout = timeout

    def build(self, message: MailMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(datetime.now(UTC))
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "mechta.local"
        email["Message-ID"] = make_msgid(domain=domain)
        email.set_content(message.text)
        return email

    async def send(self, message: MailMessage) -> None:
        import aiosmtplib  # ~10 MiB with its TLS and email parts; a server may never send a mail

        implicit_tls = self.port == 465
        await aiosmtplib.send(
            self.build(message), hostname=self.host, port=self.port, username=self.username,
            password=self.password, use_tls=implicit_tls, start_tls=self.starttls and not implicit_tls,
            timeout=self.timeout,
        )


class OutboxMailer:
    """Development stand-in: each message becomes DATA_DIR/outbox/<timestamp>-<to>.txt and an entry in
    outbox.log, so a developer can read verification codes without a mail server. The log line names the file
    only: codes and reset links are secrets and never go to the log."""

    backend = "outbox"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = asyncio.Lock()

    async def send(self, message: MailMessage) -> None:
        async with self._lock:
            path = await asyncio.to_thread(self._write, message)
        log.warning("[DEV OUTBOX — not sent] mail written to %s", path)

    def _write(self, message: MailMessage) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
        recipient = _UNSAFE_FILENAME_CHARS.sub("_", message.to)[:120]
        content = (f"To: {message.to}\nSubject: {message.subject}\nDate: {now.isoformat()}\n\n{message.text}\n")
        path = self.directory / f"{stamp}-{recipient}.txt"
        counter = 1
        while path.exists():
            counter += 1
            path = self.directory / f"{stamp}-{counter}-{recipient}.txt"
        path.write_text(content, encoding="utf-8")
        with (self.directory / "outbox.log").open("a", encoding="utf-8") as outbox_log:
            outbox_log.write(f"----- {path.name}\n{content}\n")
        return path


def create_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    if settings.is_production:
        raise ConfigurationError("ENV=production requires SMTP_HOST: the development outbox is not for real mail")
    return OutboxMailer(settings.data_dir / "outbox")
