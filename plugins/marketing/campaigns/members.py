"""Campaign members: who a campaign targets and how far each one got.

A member's status only moves forward along ``targeted → sent → responded → converted``
(a step may be skipped: a telemarketing call reaches and answers at once). Each step
after ``targeted`` is a touch of the campaign for attribution and, except a send handed
over by the messages area (which logs its own send), is logged to the interaction log.

A campaign starts running with its first send or response; a cancelled campaign takes no
members, sends or responses, a completed one still records late responses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from guanxi.access.enforce import filter_visible, require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.models import Customer
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi_marketing.campaigns.common import MEMBER, get_campaign
from guanxi_marketing.campaigns.kinds import CHANNEL_BY_TYPE
from guanxi_marketing.campaigns.models import MEMBER_STATUSES, Campaign, CampaignMember

MAX_RESPONSE = 4000
# The timestamp column each status sets, and the interaction kind it is logged as.
STAMP = {"sent": "sent_at", "responded": "responded_at", "converted": "converted_at"}
LOGGED_AS = {"sent": "marketing.campaign_sent", "responded": "marketing.campaign_responded",
             "converted": "marketing.campaign_converted"}


def _open_campaign(uow: UnitOfWork, campaign: Campaign, doing: str, *,
                   completed_ok: bool = False, start: bool = True) -> None:
    """Refuse work on a final campaign; with ``start`` a draft or planned one starts running."""
    if campaign.status == "cancelled" or (campaign.status == "completed" and not completed_ok):
        raise ValidationError("campaign", f"campaign {campaign.id} is {campaign.status}: "
                                          f"it cannot {doing}")
    if start and campaign.status in ("draft", "planned"):
        campaign.status, campaign.updated_at = "running", uow.now


def _at(uow: UnitOfWork, at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return uow.now
    if at.tzinfo is None:
        raise ValidationError("at", f"{at.isoformat()} has no time zone")
    if at > uow.now:
        raise ValidationError("at", f"{at.isoformat()} is in the future")
    return at


def add_members(uow: UnitOfWork, campaign_id: int | str, customer_ids: Iterable[int]) -> int:
    """Add customers as ``targeted`` members; existing members are skipped.

    Every id must be a customer the principal may see (else nothing is added). Returns
    how many members are new.
    """
    require(uow, MEMBER, "create")
    campaign = get_campaign(uow, campaign_id)
    _open_campaign(uow, campaign, "take members", start=False)
    wanted = sorted({int(i) for i in customer_ids})
    visible = filter_visible(uow, _existing_customers(uow, wanted))
    missing = [i for i in wanted if i not in visible]
    if missing:
        raise ValidationError("customer_ids", f"no customer with id {missing[0]}")
    already: set[int] = set()
    for chunk in chunks(wanted):
        already |= set(uow.session.connection().execute(select(CampaignMember.customer_id).where(
            CampaignMember.campaign_id == campaign.id,
            CampaignMember.customer_id.in_(chunk))).scalars())
    new = [i for i in wanted if i not in already]
    rows = [{"campaign_id": campaign.id, "customer_id": i, "status": "targeted",
             "added_at": uow.now} for i in new]
    for start in range(0, len(rows), 5000):
        uow.session.connection().execute(insert(CampaignMember), rows[start:start + 5000])
    return len(new)


def _existing_customers(uow: UnitOfWork, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    table = Customer.__table__  # type: ignore[attr-defined]
    for chunk in chunks(ids):
        query = select(table.c.id).where(table.c.id.in_(chunk), table.c.erased_at.is_(None))
        found |= set(uow.session.connection().execute(query).scalars())
    return found


def target_segment(uow: UnitOfWork, campaign_id: int | str) -> int:
    """Add the current members of the campaign's target segment; returns how many are new."""
    from guanxi_marketing.segments.service import segment_customer_ids

    campaign = get_campaign(uow, campaign_id)
    if campaign.segment_id is None:
        raise ValidationError("segment", f"campaign {campaign.id} has no target segment")
    return add_members(uow, campaign.id, segment_customer_ids(uow, campaign.segment_id))


def target_parent_members(uow: UnitOfWork, campaign_id: int | str, *, responded: bool) -> int:
    """Two-phase campaigning: add the parent campaign's responders (``responded``) or
    the members it reached who did not respond (status ``sent``). Returns how many are new.
    """
    campaign = get_campaign(uow, campaign_id)
    if campaign.parent_id is None:
        raise ValidationError("parent", f"campaign {campaign.id} is not a follow-up campaign")
    statuses = ("responded", "converted") if responded else ("sent",)
    ids = uow.session.exec(select(CampaignMember.customer_id).where(
        CampaignMember.campaign_id == campaign.parent_id,
        CampaignMember.status.in_(statuses))).scalars().all()
    return add_members(uow, campaign.id, ids)


def _member(uow: UnitOfWork, campaign: Campaign, customer_id: int) -> CampaignMember:
    member = uow.session.exec(select(CampaignMember).where(
        CampaignMember.campaign_id == campaign.id,
        CampaignMember.customer_id == customer_id)).scalars().first()
    if member is None:
        raise NotFoundError(f"customer {customer_id} is not a member of campaign {campaign.id}")
    return member


def _log(uow: UnitOfWork, campaign: Campaign, members: Sequence[CampaignMember], status: str,
         at: dt.datetime) -> None:
    """Log one interaction per member for reaching ``status`` (kind ``LOGGED_AS``)."""
    require(uow, "interaction", "create")
    channel = CHANNEL_BY_TYPE.get(campaign.type)
    if channel not in uow.app.settings.channels:
        channel = None  # the kind's default: an edition may have dropped the channel
    records = [validate_interaction(uow, {
        "customer_id": m.customer_id, "kind": LOGGED_AS[status], "channel": channel,
        "occurred_at": at, "actor": uow.actor_id, "subject": campaign.name[:500],
        "direction": "outbound" if status == "sent" else "inbound",
        "payload": {"campaign_id": campaign.id, "campaign": campaign.name, "type": campaign.type,
                    "status": status, "response": m.response if status != "sent" else None},
    }) for m in members]
    insert_interactions(uow, records)


def advance_member(
    uow: UnitOfWork, campaign_id: int | str, customer_id: int, status: str, *,
    response: str | None = None, at: dt.datetime | None = None,
) -> CampaignMember:
    """Move a member forward to ``status`` (sent, responded or converted), at ``at``
    (default: now); ``response`` is what the customer said. Logs the step
    (``marketing.campaign_responded`` / ``_converted`` / ``_sent``)."""
    require(uow, MEMBER, "update")
    campaign = get_campaign(uow, campaign_id)
    wanted = parse_choice(status, MEMBER_STATUSES, "status")
    member = _member(uow, campaign, customer_id)
    if MEMBER_STATUSES.index(wanted) <= MEMBER_STATUSES.index(member.status):
        raise ValidationError("status", f"member {customer_id} is already {member.status}: "
                                        f"a status only moves forward")
    text = (response or "").strip() or None
    if text is not None and len(text) > MAX_RESPONSE:
        raise ValidationError("response", f"at most {MAX_RESPONSE} characters")
    when = _at(uow, at)
    _open_campaign(uow, campaign, "record responses", completed_ok=wanted != "sent")
    member.status = wanted
    setattr(member, STAMP[wanted], when)
    if text is not None:
        member.response = text
    uow.session.flush()
    _log(uow, campaign, [member], wanted, when)
    return member


def mark_sent(uow: UnitOfWork, member_ids: list[int], *, at: dt.datetime | None = None) -> None:
    """Mark members (by member id) ``sent`` at ``at`` (default now); members past
    ``targeted`` stay as they are. Used by the messages area, which logs the send itself."""
    require(uow, MEMBER, "update")
    when = _at(uow, at)
    ids = sorted(set(member_ids))
    campaign_ids: set[int] = set()
    for chunk in chunks(ids):
        campaign_ids |= set(uow.session.exec(select(CampaignMember.campaign_id).where(
            CampaignMember.id.in_(chunk))).scalars())
    for cid in sorted(campaign_ids):
        _open_campaign(uow, get_campaign(uow, cid), "send")
    table = CampaignMember.__table__  # type: ignore[attr-defined]
    for chunk in chunks(ids):
        uow.session.connection().execute(update(table).where(
            table.c.id.in_(chunk), table.c.status == "targeted").values(status="sent",
                                                                        sent_at=when))
    uow.session.flush()
    uow.session.expire_all()


def record_sent(uow: UnitOfWork, campaign_id: int | str, customer_ids: Iterable[int] = (), *,
                at: dt.datetime | None = None) -> int:
    """Record that a campaign reached customers outside the messages area (a letter
    posted, a call made): mark them sent and log ``marketing.campaign_sent``.

    No ``customer_ids``: every member still ``targeted``. Returns how many were marked.
    """
    require(uow, MEMBER, "update")
    campaign = get_campaign(uow, campaign_id)
    when = _at(uow, at)
    query = select(CampaignMember).where(CampaignMember.campaign_id == campaign.id,
                                         CampaignMember.status == "targeted")
    wanted = sorted({int(i) for i in customer_ids})
    if wanted:
        members = [_member(uow, campaign, i) for i in wanted]
        for member in members:
            if member.status != "targeted":
                raise ValidationError("customer_ids", f"member {member.customer_id} is "
                                                      f"already {member.status}")
    else:
        members = list(uow.session.exec(query.order_by(CampaignMember.id)).scalars())
    _open_campaign(uow, campaign, "send")
    for member in members:
        member.status, member.sent_at = "sent", when
    uow.session.flush()
    _log(uow, campaign, members, "sent", when)
    return len(members)


@dataclass(frozen=True)
class MemberRow:
    """A campaign member as listed, with the customer's name."""

    id: int
    customer_id: int
    customer: str | None
    status: str
    added_at: dt.datetime
    sent_at: dt.datetime | None
    responded_at: dt.datetime | None
    converted_at: dt.datetime | None
    response: str | None


def list_members(
    uow: UnitOfWork, campaign_id: int | str, *, status: str | None = None,
    after_id: int | None = None, limit: int = 100,
) -> list[MemberRow]:
    """The members of a campaign the principal may see, in member-id order."""
    require(uow, MEMBER, "read")
    campaign = get_campaign(uow, campaign_id)
    query = (select(CampaignMember, Customer.name)
             .join(Customer, Customer.id == CampaignMember.customer_id)
             .where(CampaignMember.campaign_id == campaign.id))
    if status is not None:
        query = query.where(CampaignMember.status == parse_choice(status, MEMBER_STATUSES,
                                                                  "status"))
    if after_id is not None:
        query = query.where(CampaignMember.id > after_id)
    rows = uow.session.exec(query.order_by(CampaignMember.id).limit(limit)).all()
    return [MemberRow(id=m.id, customer_id=m.customer_id, customer=name, status=m.status,
                      added_at=m.added_at, sent_at=m.sent_at, responded_at=m.responded_at,
                      converted_at=m.converted_at, response=m.response) for m, name in rows]
