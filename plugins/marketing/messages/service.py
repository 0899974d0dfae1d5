"""The messages area's functions (the contract other areas and the CLI call).

* :func:`send_campaign` — see :mod:`guanxi_marketing.messages.sending`;
* :func:`render_message` — one personalised message, e.g. for a preview or a trigger;
* :func:`unsubscribe` — follow a signed link: withdraw consent for that channel, log it;
* :func:`list_messages`, :func:`get_message`, :func:`resolve_message`, :func:`preview`.

Listings read through the ORM, so record policies apply: an agent sees the messages of
the customers he sees and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.privacy import consents, set_consent
from guanxi.records import CustomerRecord
from guanxi.services.interactions import log_interaction
from guanxi.services.lookup import get_customer
from guanxi_marketing.messages import ledger
from guanxi_marketing.messages.audience import owner_contexts
from guanxi_marketing.messages.kinds import UNSUBSCRIBED
from guanxi_marketing.messages.models import MESSAGE_STATUSES, MarketingMessage
from guanxi_marketing.messages.render import RenderedMessage, TemplateSet, assemble
from guanxi_marketing.messages.sending import (
    MESSAGE,
    SendReport,
    campaign_context,
    channel_of,
    send_campaign,
)
from guanxi_marketing.messages.tokens import (
    make_token,
    read_token,
    signing_key,
    unsubscribe_url,
)

__all__ = [
    "SendReport",
    "get_message",
    "list_messages",
    "preview",
    "render_message",
    "resolve_message",
    "send_campaign",
    "unsubscribe",
]


def render_message(
    app: App,
    template: str,
    customer: CustomerRecord,
    *,
    channel: str = "email",
    subject: str | None = None,
    campaign: Mapping[str, Any] | None = None,
    owner: Mapping[str, Any] | None = None,
    **context: Any,
) -> RenderedMessage:
    """Render the ``channel`` message ``template`` for ``customer``.

    The unsubscribe link is made for the campaign (``campaign["id"]``) unless
    ``unsubscribe_url`` is given; extra keyword arguments are template variables.
    """
    assert customer.id is not None
    campaign_id = (campaign or {}).get("id")
    if "unsubscribe_url" not in context:
        settings = app.settings_for("marketing").messages
        token = make_token(signing_key(app), customer.id, channel, campaign_id)
        context["unsubscribe_url"] = unsubscribe_url(
            settings.base_url, settings.unsubscribe_path, token
        )
    templates = TemplateSet(app, channel, template, subject=subject)
    return assemble(templates, customer, {"campaign": dict(campaign or {}), "owner": owner,
                                          **context})


def preview(uow: UnitOfWork, campaign_ref: int | str, customer_id: int) -> RenderedMessage:
    """The message a campaign would send to one customer (nothing is sent or stored)."""
    from guanxi_marketing.campaigns.service import get_campaign

    require(uow, MESSAGE, "read")
    campaign = get_campaign(uow, campaign_ref)
    if not campaign.template:
        raise ValidationError("template", f"campaign {campaign.id} names no message template")
    customer = get_customer(uow, customer_id)
    owners = owner_contexts(uow, {customer.owner_id} if customer.owner_id else set())
    return render_message(
        uow.app, campaign.template, customer, channel=channel_of(campaign),
        subject=campaign.subject, campaign=campaign_context(campaign),
        owner=owners.get(customer.owner_id or 0),
    )


def unsubscribe(uow: UnitOfWork, token: str) -> int:
    """Withdraw marketing consent on the token's channel; return the customer id.

    Logged as ``core.consent_changed`` (by the privacy module) and ``marketing.unsubscribed``
    (with the campaign). Following a link again changes nothing.
    """
    request = read_token(signing_key(uow.app), token)
    purpose = uow.app.settings_for("marketing").messages.consent_purpose
    current = consents(uow, [request.customer_id], purpose=purpose, channel=request.channel)
    if not current.get(request.customer_id):
        get_customer(uow, request.customer_id)  # an unknown customer is still an error
        return request.customer_id
    where = f"campaign {request.campaign_id}" if request.campaign_id else "a message"
    set_consent(uow, request.customer_id, purpose=purpose, channel=request.channel,
                granted=False, source=f"unsubscribe link in {where}")
    log_interaction(
        uow, customer_id=request.customer_id, kind=UNSUBSCRIBED, channel=request.channel,
        direction="inbound",
        payload={"campaign_id": request.campaign_id, "purpose": purpose},
    )
    return request.customer_id


def list_messages(
    uow: UnitOfWork,
    *,
    campaign_id: int | None = None,
    customer_id: int | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[MarketingMessage]:
    """Message rows the principal may see, newest first."""
    require(uow, MESSAGE, "read")
    if status is not None and status not in MESSAGE_STATUSES:
        raise ValidationError("status", f"{status!r} is not one of {', '.join(MESSAGE_STATUSES)}")
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    query = select(MarketingMessage)
    if campaign_id is not None:
        query = query.where(MarketingMessage.campaign_id == campaign_id)
    if customer_id is not None:
        query = query.where(MarketingMessage.customer_id == customer_id)
    if status is not None:
        query = query.where(MarketingMessage.status == status)
    query = query.order_by(col(MarketingMessage.id).desc()).limit(limit)
    return list(uow.session.exec(query))


def get_message(uow: UnitOfWork, message_id: int) -> MarketingMessage:
    """One message row; not found if it does not exist or its customer is invisible."""
    require(uow, MESSAGE, "read")
    row = uow.session.exec(
        select(MarketingMessage).where(MarketingMessage.id == message_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no message with id {message_id}")
    return row


def resolve_message(uow: UnitOfWork, message_id: int, *, delivered: bool) -> MarketingMessage:
    """Settle an unconfirmed message (see :mod:`~guanxi_marketing.messages.ledger`)."""
    require(uow, MESSAGE, "update")
    row = get_message(uow, message_id)
    ledger.resolve(uow, row, delivered=delivered)
    uow.session.refresh(row)
    return row
