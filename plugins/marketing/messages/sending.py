"""Sending a campaign: render every member's message, then send in claimed batches.

Nothing leaves before every message has rendered: one failing template or member stops
the campaign with a one-line error, so nobody gets half a batch. Members without
consent for the channel, erased or without an address are skipped (and logged). The
rest go out in batches of ``batch_size`` over one or several connections
(:mod:`guanxi_marketing.messages.dispatch`), with the bookkeeping described in
:mod:`guanxi_marketing.messages.ledger`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import ValidationError
from guanxi.records import CustomerRecord
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.messages import ledger
from guanxi_marketing.messages.audience import (
    Member,
    audience_chunks,
    targeted_members,
)
from guanxi_marketing.messages.dispatch import SenderPool
from guanxi_marketing.messages.mime import message_id_for, sender_domain
from guanxi_marketing.messages.render import RenderedMessage, TemplateSet, address_of, assemble
from guanxi_marketing.messages.senders import SenderStopped
from guanxi_marketing.messages.tokens import TokenSigner, signing_key, unsubscribe_url

MESSAGE = "marketing.message"
# The channel a campaign type sends on (others send nothing unless settings say so).
CHANNEL_OF_TYPE = {"email": "email", "sms": "sms", "direct_mail": "letter"}


@dataclass
class SendReport:
    """What a run did: counts per outcome and the error that stopped it, if any."""

    campaign_id: int
    channel: str
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    pending: int = 0  # left for a rerun
    unconfirmed: int = 0  # attempting rows: maybe delivered, never resent
    error: str | None = None
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        line = (
            f"campaign {self.campaign_id} ({self.channel}): {self.sent} sent, {self.failed} "
            f"failed, {self.skipped} skipped, {self.deferred} deferred, {self.pending} pending"
        )
        if self.unconfirmed:
            line += f", {self.unconfirmed} unconfirmed (see 'marketing messages resolve')"
        return line


@dataclass
class Prepared:
    """A campaign's messages rendered and its skips decided, before anything is sent."""

    campaign_id: int
    channel: str
    template: str
    messages: list[RenderedMessage]
    skips: list[tuple[int, int | None, str]]
    ledger: dict[int, ledger.LedgerRow]
    unconfirmed: int
    not_now: int  # left out by ``limit``
    claimable: tuple[str, ...]  # ledger statuses this run may claim again


def channel_of(campaign: Campaign) -> str:
    """The channel a campaign's messages go on (``settings.channel`` overrides the type)."""
    channel = (campaign.settings or {}).get("channel") or CHANNEL_OF_TYPE.get(campaign.type)
    if channel not in ("email", "sms", "letter"):
        raise ValidationError(
            "campaign", f"campaign {campaign.id} is of type {campaign.type}: it sends no messages"
        )
    return str(channel)


def campaign_context(campaign: Campaign) -> dict[str, Any]:
    """The ``campaign`` variable of a template."""
    return {
        "id": campaign.id, "name": campaign.name, "type": campaign.type,
        "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
        "description": campaign.description,
    }


def _claimable_members(
    uow: UnitOfWork, campaign_id: int, booked: dict[int, ledger.LedgerRow],
    claimable: tuple[str, ...],
) -> tuple[list[Member], int]:
    """The targeted members this run may send to, and how many are unconfirmed."""
    members, unconfirmed = [], 0
    for member in targeted_members(uow, campaign_id):
        row = booked.get(member.customer_id)
        if row is None or row.status in claimable:
            members.append(member)
        elif row.status == "attempting":
            unconfirmed += 1
    return members, unconfirmed


class _Renderer:
    """Renders a campaign's messages: the templates, the signer and the fixed context."""

    def __init__(self, templates: TemplateSet, campaign: Campaign, channel: str,
                 signer: TokenSigner, base_url: str, path: str, domain: str):
        assert campaign.id is not None
        self.templates, self.channel, self.signer = templates, channel, signer
        self.campaign_id, self.domain = campaign.id, domain
        self.campaign = campaign_context(campaign)  # the same for every member
        self.link_prefix = unsubscribe_url(base_url, path, "")

    def render(self, member: Member, record: CustomerRecord,
               owner: dict[str, Any] | None) -> RenderedMessage:
        """The member's message, with its unsubscribe link and Message-ID."""
        token = self.signer.token(member.customer_id, self.channel, self.campaign_id)
        message = assemble(self.templates, record, {
            "campaign": self.campaign, "owner": owner,
            "unsubscribe_url": self.link_prefix + token,
        })
        message.member_id = member.id
        message.message_id = message_id_for(self.campaign_id, member.customer_id, self.domain)
        return message


def prepare(uow: UnitOfWork, campaign_ref: int | str, *, limit: int | None,
            retry_failed: bool = False) -> Prepared:
    """Render every pending member's message and decide the skips (stores nothing)."""
    from guanxi_marketing.campaigns.service import get_campaign

    require(uow, MESSAGE, "create")
    campaign = get_campaign(uow, campaign_ref)
    assert campaign.id is not None
    if campaign.status in ("cancelled", "completed"):
        raise ValidationError("campaign", f"campaign {campaign.id} is {campaign.status}")
    if not campaign.template:
        raise ValidationError("template", f"campaign {campaign.id} names no message template")
    channel = channel_of(campaign)
    settings = uow.app.settings_for("marketing").messages
    renderer = _Renderer(
        TemplateSet(uow.app, channel, campaign.template, subject=campaign.subject), campaign,
        channel, TokenSigner(signing_key(uow.app)), settings.base_url,
        settings.unsubscribe_path, sender_domain(settings.from_address))
    booked = ledger.ledger_of(uow, campaign.id)
    claimable = (*ledger.CLAIMABLE, "failed") if retry_failed else ledger.CLAIMABLE
    members, unconfirmed = _claimable_members(uow, campaign.id, booked, claimable)
    messages: list[RenderedMessage] = []
    skips: list[tuple[int, int | None, str]] = []
    for audience in audience_chunks(uow, members, purpose=settings.consent_purpose,
                                    channel=channel):
        for member in audience.members:
            record = audience.records.get(member.customer_id)
            if record is None:
                skips.append((member.customer_id, member.id, "erased"))
            elif not audience.agreed.get(member.customer_id):
                skips.append((member.customer_id, member.id, "no consent"))
            elif not address_of(record, channel):
                skips.append((member.customer_id, member.id, f"no {channel} address"))
            else:
                owner = audience.owners.get(record.owner_id or 0)
                messages.append(renderer.render(member, record, owner))
    not_now = 0
    if limit is not None and len(messages) > limit:
        not_now, messages = len(messages) - limit, messages[:limit]
    return Prepared(campaign.id, channel, campaign.template, messages, skips, booked,
                    unconfirmed, not_now, claimable)


def _count(report: SendReport, outcomes: ledger.Outcomes) -> None:
    report.sent += len(outcomes.sent)
    report.failed += len(outcomes.failed)
    report.failures += [f"customer {m.customer_id}: {why}" for m, why in outcomes.failed]
    report.deferred += sum(1 for _, why in outcomes.pending if why)
    report.pending += sum(1 for _, why in outcomes.pending if not why)


def send_campaign(app: App, campaign_id: int | str, *, limit: int | None = None,
                  retry_failed: bool = False, as_user: str | None = None) -> SendReport:
    """Send a campaign's message to every member still ``targeted``; see the module doc.

    Returns the run's :class:`SendReport`; a broken connection is its ``error`` (the
    members not reached stay pending for a rerun). Bad input — an unknown campaign, a
    template that fails — raises before anything is sent or stored.
    """
    with app.transaction(as_user=as_user) as uow:
        prepared = prepare(uow, campaign_id, limit=limit, retry_failed=retry_failed)
        ledger.record_skips(uow, prepared.campaign_id, prepared.channel, prepared.template,
                            prepared.skips, prepared.ledger)
    report = SendReport(prepared.campaign_id, prepared.channel, skipped=len(prepared.skips),
                        unconfirmed=prepared.unconfirmed, pending=prepared.not_now)
    if not prepared.messages:
        return report
    senders = SenderPool(app, prepared.channel)
    try:
        senders.open()
    except SenderStopped as stop:
        report.error, report.pending = stop.reason, report.pending + len(prepared.messages)
        return report
    try:
        _send_batches(app, prepared, senders, report, as_user)
    finally:
        senders.close()
    return report


def _send_batches(app: App, prepared: Prepared, senders: SenderPool, report: SendReport,
                  as_user: str | None) -> None:
    """Claim, send and record ``prepared.messages`` batch by batch, into ``report``.

    A batch's outcomes are recorded in a thread of their own while the next batch is
    sent (the SMTP threads mostly wait for replies meanwhile), in the same order as
    before for each batch: claimed and committed, then sent, then recorded. The next
    batch is claimed before the previous one's recording starts, so at most one of
    them writes at a time, and recording is awaited before the next claim: a crash
    leaves at most two batches with rows still ``attempting`` (unconfirmed, never
    resent), as the ledger requires.
    """
    batch_size = app.settings_for("marketing").messages.batch_size
    messages = prepared.messages

    def claim(batch: list[RenderedMessage]) -> dict[int, int]:
        with app.transaction(as_user=as_user) as uow:
            return ledger.claim(uow, batch, prepared.ledger, prepared.claimable)

    def record(outcomes: ledger.Outcomes, rows: dict[int, int]) -> None:
        with app.transaction(as_user=as_user) as uow:
            ledger.record(uow, outcomes, rows)

    recording: Future[None] | None = None
    with ThreadPoolExecutor(1, "guanxi-ledger") as bookkeeper:
        try:
            batch = messages[:batch_size]
            rows = claim(batch)
            for start in range(0, len(messages), batch_size):
                outcomes, stops = senders.send(batch)
                _count(report, outcomes)
                if recording is not None:
                    recording.result()
                    recording = None
                if stops:
                    record(outcomes, rows)
                    report.error = stops[0].reason
                    report.unconfirmed += sum(stop.uncertain for stop in stops)
                    report.pending += len(messages) - start - len(batch)
                    return
                done, sent_rows = outcomes, rows
                batch = messages[start + batch_size : start + 2 * batch_size]
                if batch:
                    try:
                        rows = claim(batch)
                    except BaseException:  # e.g. another run claimed first: keep what we know
                        record(done, sent_rows)
                        raise
                recording = bookkeeper.submit(record, done, sent_rows)
        finally:
            if recording is not None:
                recording.result()
