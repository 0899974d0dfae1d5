"""Helpers of the messages tests: a real local SMTP server (aiosmtpd) and a small world.

Not a test module of its own (it defines no tests); the messages test modules import
from it. The server listens on 127.0.0.1 on a free port and keeps every message it
accepted, parsed with the modern email policy so headers come back decoded.
"""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from guanxi.app import App
from guanxi.models import Interaction
from guanxi.privacy import set_consent
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
SECRET = "test-unsubscribe-key-0123456789"
NEWSLETTER_SUBJECT = "{{ customer.preferred_name }},春季新品 {{ campaign.name }}"


class Inbox:
    """An aiosmtpd handler that collects messages and misbehaves on request.

    ``refuse_after``: after that many accepted messages, MAIL gets ``421`` (closing).
    ``drop_after``: after that many, the connection is cut at MAIL (nothing was sent).
    ``drop_in_data``: the message after that many is *received*, then the connection is
    cut before the reply (the client cannot know it arrived). ``reject``: addresses
    refused at RCPT with ``550``. ``pipelining``: offer PIPELINING after EHLO.
    ``connections`` collects the client ports, one per connection that said EHLO.
    """

    def __init__(self, *, refuse_after: int | None = None, drop_after: int | None = None,
                 drop_in_data: int | None = None, reject: set[str] | None = None,
                 pipelining: bool = False):
        self.pipelining = pipelining
        self.connections: set[int] = set()
        self.messages: list[EmailMessage] = []
        self.recipients: list[str] = []
        self.refuse_after, self.drop_after = refuse_after, drop_after
        self.drop_in_data = drop_in_data
        self.reject = reject or set()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        self.connections.add(session.peer[1])
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        done = len(self.messages)
        if self.refuse_after is not None and done >= self.refuse_after:
            return "421 4.3.2 Service shutting down"
        if self.drop_after is not None and done >= self.drop_after:
            server.transport.close()
            return "250 OK"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.reject:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.extend(envelope.rcpt_tos)
        if self.drop_in_data is not None and len(self.messages) > self.drop_in_data:
            self.drop_in_data = None
            server.transport.close()
        return "250 OK"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(inbox: Inbox) -> Iterator[int]:
    """Run an SMTP server for ``inbox`` on a free local port; yield the port."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def message_settings(port: int, **more: Any) -> dict[str, Any]:
    """``settings=`` for an app that sends to the local server on ``port``.

    One connection unless ``connections`` is given, so that which members a failing
    server reached is deterministic.
    """
    values = {"smtp_host": "127.0.0.1", "smtp_port": port, "from_address": "news@shop.example",
              "from_name": "关系商城", "base_url": "https://crm.example", "batch_size": 3,
              "connections": 1, "unsubscribe_secret": SECRET, "timeout": 5, **more}
    return {"marketing": {"messages": values}}


def people(app: App, count: int, *, consent: bool = True, owner: str | None = None,
           first: int = 0) -> list[int]:
    """``count`` customers numbered from ``first``, with Chinese names, an email, a mobile
    and a postal address (consenting to marketing if asked)."""
    ids = []
    with app.transaction(now=T0) as uow:
        for n in range(first, first + count):
            customer = add_customer(uow, name=f"张{n}", given_name=f"小{n}", owner=owner,
                                    emails=[f"c{n}@example.cn"], phones=[f"+8613800000{n:03d}"],
                                    addresses=[f"上海市 {n} 号"])
            assert customer.id is not None
            ids.append(customer.id)
            if consent:
                set_consent(uow, customer.id, purpose="marketing", granted=True, source="form")
    return ids


def staff(app: App) -> None:
    """Agent wang (who sees his own customers) and boss, an admin (who sees all)."""
    with app.transaction(now=T0) as uow:
        add_staff(uow, username="wang", display_name="王芳", phone="+86 21 5555 0001")
        grant_role(uow, staff="wang", role="agent")
        add_staff(uow, username="boss", display_name="老板")
        grant_role(uow, staff="boss", role="admin")


def campaign(app: App, customer_ids: list[int], *, type: str = "email",
             template: str = "newsletter", subject: str | None = NEWSLETTER_SUBJECT,
             name: str = "春季促销", owner: str | None = None) -> int:
    """A campaign of ``type`` targeting ``customer_ids``."""
    from guanxi_marketing.campaigns.service import add_members, create_campaign

    with app.transaction(now=T0) as uow:
        created = create_campaign(uow, name=name, type=type, template=template, subject=subject,
                                  description="全场八折", owner=owner)
        assert created.id is not None
        add_members(uow, created.id, customer_ids)
    return created.id


def kinds_logged(app: App, prefix: str = "marketing.message") -> list[tuple[int, str]]:
    """(customer, kind) of every logged interaction whose kind starts with ``prefix``."""
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(Interaction.customer_id, Interaction.kind)
            .where(Interaction.kind.startswith(prefix)).order_by(Interaction.id)  # type: ignore[attr-defined]
        ).all()
    return [(r[0], r[1]) for r in rows]


def statuses(app: App, campaign_id: int) -> dict[int, tuple[str, str | None]]:
    """Customer → (member status, message status) for a campaign."""
    with app.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT m.customer_id, m.status, g.status FROM marketing_campaign_member m "
            "LEFT JOIN marketing_message g ON g.campaign_id = m.campaign_id "
            "AND g.customer_id = m.customer_id WHERE m.campaign_id = :c"), {"c": campaign_id})
        return {r[0]: (r[1], r[2]) for r in rows}


def body_text(message: EmailMessage) -> str:
    """The decoded text/plain part."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def body_html(message: EmailMessage) -> str:
    """The decoded text/html part."""
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())
