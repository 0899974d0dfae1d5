"""guanxi_wechat_service: the bridge between the wechat channel and the service plugin.

A *bridge* (``bridge=True``): enabling it enables neither side. It activates only when
both ``wechat`` and ``service`` are enabled, and otherwise stays inactive (``guanxi
plugins`` says what it needs). When active:

- an inbound WeChat text that starts with the keyword (``报修`` by default) opens a
  service ticket for the customer on channel ``wechat``, and the follower is told its
  number;
- when a ticket that came in through WeChat is resolved (or closed without being
  resolved first), the customer gets the resolution as a WeChat message.

It talks to both plugins only through their public Python APIs
(``guanxi_wechat.service``, ``guanxi_service.tickets.service``), imported where they are
used: the loader imports this module to read its metadata even when it stays inactive,
and then neither side need be importable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.records import InteractionRecord

__version__ = "0.1.0"

plugin = Plugin(
    name="wechat_service",
    version=__version__,
    description="bridge: WeChat 报修 messages open service tickets; resolutions are sent back",
    requires={"wechat": ">=0.1,<1", "service": ">=0.1,<1"},
    bridge=True,
)

HERE = Path(__file__).parent
TICKET_CHANNEL = "wechat"  # one of the service plugin's ticket channels
MAX_SUBJECT = 200  # the service ticket's subject


class BridgeSettings(BaseModel):
    """``[wechat_service]``: which messages open a ticket, and what kind of ticket."""

    model_config = ConfigDict(extra="forbid")
    keyword: str = Field("报修", min_length=1,
                         description="A text starting with this opens a service ticket")
    ticket_type: str = Field("repair", description="The type of the tickets it opens")
    priority: str = Field("normal", description="The priority of the tickets it opens")
    acknowledge: bool = Field(True, description="Tell the follower the new ticket's number")


def _settings(uow: UnitOfWork) -> BridgeSettings:
    return uow.app.settings_for("wechat_service")  # type: ignore[no-any-return]


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """``[wechat_service]``."""
    register("wechat_service", BridgeSettings)


@hookimpl
def register_templates(register: Callable[..., None]) -> None:
    """The texts sent back (``wechat_service/*.txt``); an edition may override them."""
    register(HERE / "templates")


def _ticket_subject(text: str, keyword: str) -> str:
    rest = text[len(keyword):].strip(" :：,，")
    return (rest or text)[:MAX_SUBJECT]


def _open_tickets(uow: UnitOfWork, messages: Sequence[InteractionRecord]) -> None:
    from guanxi_service.tickets.service import open_ticket
    from guanxi_wechat.service import send_text

    settings = _settings(uow)
    for message in messages:
        ticket = open_ticket(
            uow, customer_id=message.customer_id, type=settings.ticket_type,
            channel=TICKET_CHANNEL, subject=_ticket_subject(message.subject or "",
                                                            settings.keyword),
            description=message.subject, priority=settings.priority,
            opened_at=message.occurred_at)
        if settings.acknowledge:
            text = uow.app.render("wechat_service/ticket_opened.txt", ticket=ticket)
            send_text(uow, message.customer_id, text.strip())


def _send_resolutions(uow: UnitOfWork, entries: Sequence[InteractionRecord]) -> None:
    from guanxi_service.tickets.service import get_ticket
    from guanxi_wechat.service import follower_of, send_text

    for entry in entries:
        ticket = get_ticket(uow, entry.payload["ticket_id"])
        # Only tickets that came in through WeChat, for somebody who still follows.
        if ticket.channel != TICKET_CHANNEL or follower_of(uow, ticket.customer_id) is None:
            continue
        text = uow.app.render("wechat_service/ticket_resolved.txt", ticket=ticket)
        send_text(uow, ticket.customer_id, text.strip())


@hookimpl
def interactions_logged(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """Open tickets for keyword texts; send resolutions of WeChat tickets back."""
    keyword = _settings(uow).keyword
    asking = [
        i for i in interactions
        if i.kind == "wechat.message_in" and i.payload.get("msg_type") == "text"
        and (i.subject or "").startswith(keyword)
    ]
    # Resolved, or closed straight from an open status (a resolved ticket that is then
    # closed was already answered).
    answered = [
        i for i in interactions
        if i.kind == "service.ticket_resolved"
        or (i.kind == "service.ticket_closed" and i.payload.get("from_status") != "resolved")
    ]
    if asking:
        _open_tickets(uow, asking)
    if answered:
        _send_resolutions(uow, answered)
