"""Senders: what hands a rendered message to the outside world.

A sender has ``open()``, ``send(message) -> SendResult`` and ``close()``. ``send`` says
per message whether it was *accepted*, *rejected* for this recipient (permanent: the
member is marked failed) or *deferred* (temporary: the member stays pending). When the
channel itself breaks it raises :class:`SenderStopped`, saying whether the message in
hand may have been delivered anyway (``uncertain``).

Built in: ``smtp`` (email through smtplib) and ``outbox`` (SMS and letters written to
``marketing_outbox`` for a gateway to collect). An edition or plugin adds its own by
naming a factory ``"package.module:factory"`` in the settings (``sms_sender = …``); the
factory is called as ``factory(app, channel)`` and returns an object with these three
methods.
"""

from __future__ import annotations

import importlib
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import insert

from guanxi.app import App
from guanxi.errors import ConfigError
from guanxi_marketing.messages.mime import email_bytes
from guanxi_marketing.messages.models import MarketingOutbox
from guanxi_marketing.messages.render import RenderedMessage
from guanxi_marketing.messages.settings import MessageSettings

LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)
# What may go between <> in RCPT TO: printable ASCII without spaces or angle brackets.
USABLE_ADDRESS = re.compile(r"[!-;=?-~]+")


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one message."""

    outcome: Literal["accepted", "rejected", "deferred"]
    detail: str = ""


class SenderStopped(Exception):
    """The channel broke; ``uncertain`` when the message in hand may have arrived."""

    def __init__(self, reason: str, *, uncertain: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.uncertain = uncertain


class Sender(Protocol):
    """The interface of every sender."""

    def open(self) -> None: ...
    def send(self, message: RenderedMessage) -> SendResult: ...
    def close(self) -> None: ...


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(body.split())}".strip()


class SmtpSender:
    """Email over one SMTP connection, one transaction (MAIL, RCPT, DATA) per message.

    The commands are written directly (the envelope pipelined when the server offers
    PIPELINING) rather than through ``smtplib.SMTP.sendmail``, so that a
    dropped connection is classified exactly: before the final dot the message cannot
    have been accepted; after it, only the lost reply says whether it was.
    """

    def __init__(self, settings: MessageSettings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None
        self.pipelining = False  # the server offers PIPELINING (RFC 2920)

    def open(self) -> None:
        """Connect, say EHLO, upgrade to TLS and log in as configured."""
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        if not USABLE_ADDRESS.fullmatch(s.from_address):
            raise ConfigError(f"setting marketing.messages.from_address: {s.from_address!r}")
        try:
            if s.tls == "ssl":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
            connection.ehlo()
            if s.tls == "starttls":
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if s.username:
                password = os.environ.get(s.password_env)
                if password is None:
                    raise ConfigError(
                        f"setting marketing.messages.username is set: put the SMTP password "
                        f"in the environment variable {s.password_env}"
                    )
                connection.login(s.username, password)
            self.pipelining = connection.has_extn("pipelining")
        except (OSError, smtplib.SMTPException) as exc:
            raise SenderStopped(f"SMTP server {where}: {exc}") from None
        self.connection = connection

    def send(self, message: RenderedMessage) -> SendResult:
        """MAIL, RCPT, DATA for one message; see the class for what each failure means."""
        assert self.connection is not None, "open() first"
        smtp = self.connection
        recipient = message.address or ""
        if not USABLE_ADDRESS.fullmatch(recipient):
            # smtplib would refuse the command too; no SMTPUTF8 support, so ASCII only.
            return SendResult("rejected", f"unusable address {recipient!r}")
        raw = email_bytes(
            message, from_address=self.settings.from_address, from_name=self.settings.from_name
        )
        try:
            (code, text), *replies = self._envelope(recipient)
            if code != 250:
                raise SenderStopped(f"SMTP server refused the sender: {_reply(code, text)}")
            code, text = replies[0]
            if code not in (250, 251):
                if len(replies) > 1 and replies[1][0] == 354:
                    # A pipelined DATA accepted after every recipient failed: end it empty.
                    smtp.send(b".\r\n")
                    smtp.getreply()
                return self._refused(code, text)
            code, text = replies[1]
            if code != 354:
                return self._refused(code, text)
            body = LEADING_DOT.sub(b"..", raw)
            smtp.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise SenderStopped(f"SMTP connection lost: {exc or 'disconnected'}") from None
        try:
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise SenderStopped(
                f"SMTP connection lost after the message was sent: {exc or 'disconnected'}",
                uncertain=True,
            ) from None
        if code == 250:
            return SendResult("accepted", _reply(code, text))
        return self._refused(code, text, reset=False)

    def _envelope(self, recipient: str) -> list[tuple[int, bytes]]:
        """The replies to MAIL, RCPT and DATA (fewer when one fails without pipelining).

        With PIPELINING (RFC 2920) the three commands go in one write and the three
        replies are read after it: one round trip instead of three. Without it each waits
        for its reply, and a refusal ends the envelope there.
        """
        smtp = self.connection
        assert smtp is not None
        commands = (f"MAIL FROM:<{self.settings.from_address}>\r\n".encode(),
                    f"RCPT TO:<{recipient}>\r\n".encode(), b"DATA\r\n")
        if self.pipelining:
            smtp.send(b"".join(commands))
            return [smtp.getreply() for _ in commands]
        replies: list[tuple[int, bytes]] = []
        for command, accepted in zip(commands, ((250,), (250, 251), (354,)), strict=True):
            smtp.send(command)
            replies.append(smtp.getreply())
            if replies[-1][0] not in accepted:
                break
        return replies

    def _refused(self, code: int, text: bytes, *, reset: bool = True) -> SendResult:
        reply = _reply(code, text)
        if code == 421 or code < 400:  # closing, or nonsense: the connection is done
            raise SenderStopped(f"SMTP server: {reply}")
        if reset:
            try:
                self.connection.rset()  # type: ignore[union-attr]
            except (OSError, smtplib.SMTPException) as exc:
                raise SenderStopped(f"SMTP connection lost: {exc}") from None
        return SendResult("deferred" if code < 500 else "rejected", reply)

    def close(self) -> None:
        """Say QUIT (or just drop a broken connection)."""
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        self.connection = None


class OutboxSender:
    """Writes each message to ``marketing_outbox`` (committed at once) for a gateway."""

    def __init__(self, app: App, channel: str):
        self.app, self.channel = app, channel

    def open(self) -> None:
        """Nothing to connect to."""

    def send(self, message: RenderedMessage) -> SendResult:
        """Store the message; its outbox row id is the receipt."""
        table = MarketingOutbox.__table__  # type: ignore[attr-defined]
        row: dict[str, Any] = {
            "channel": message.channel,
            "customer_id": message.customer_id,
            "campaign_id": message.campaign_id,
            "address": message.address,
            "subject": message.subject,
            "body": message.text,
            "created_at": self.app.now(),
        }
        try:
            with self.app.engine.begin() as connection:
                outbox_id = connection.execute(insert(table).values(row)).inserted_primary_key
        except Exception as exc:
            raise SenderStopped(f"outbox: {exc}") from None
        return SendResult("accepted", f"outbox {outbox_id[0]}")

    def close(self) -> None:
        """Nothing to close."""


def load_sender(app: App, channel: str) -> Sender:
    """The sender configured for ``channel`` (``[marketing.messages] <channel>_sender``)."""
    settings: MessageSettings = app.settings_for("marketing").messages
    name = getattr(settings, f"{channel}_sender")
    if name == "smtp":
        if channel != "email":
            raise ConfigError(f"setting marketing.messages.{channel}_sender: smtp sends email only")
        return SmtpSender(settings)
    if name == "outbox":
        return OutboxSender(app, channel)
    module, colon, attribute = name.partition(":")
    if not colon:
        raise ConfigError(
            f"setting marketing.messages.{channel}_sender: {name!r} is not smtp, outbox "
            "or module:factory"
        )
    try:
        factory = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"setting marketing.messages.{channel}_sender: {exc}") from None
    return factory(app, channel)
