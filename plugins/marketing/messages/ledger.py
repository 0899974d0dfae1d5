"""The send ledger (``marketing_message``): claims, outcomes, skips, in small transactions.

The order that keeps a message from going out twice:

1. **claim** a batch: its rows become ``attempting`` and the claim is committed *before*
   anything is sent. The unique (campaign, customer) pair and the ``WHERE status IN
   (…)`` on the update make a claim exclusive, so a second run at the same time fails
   instead of sending too.
2. send the batch;
3. **record** the outcomes in one transaction: accepted → ``sent`` (the member marked
   sent, ``marketing.message_sent`` logged), refused → ``failed`` (logged), deferred or
   never handed over → ``pending`` again.

A crash or lost connection between 2 and 3 leaves rows ``attempting``: *unconfirmed*.
They are never sent again by a rerun (at most once); ``messages resolve`` settles them
by hand once the server's log (the Message-ID is fixed per campaign and customer) says
whether they arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from guanxi.app import UnitOfWork
from guanxi.db.bulk import BulkInserter, allocate_ids
from guanxi.errors import ValidationError
from guanxi.records import InteractionRecord
from guanxi.services.interactions import insert_interactions
from guanxi_marketing.messages.kinds import FAILED, SENT, SKIPPED, MessagePayload
from guanxi_marketing.messages.models import MarketingMessage
from guanxi_marketing.messages.render import RenderedMessage

TABLE = MarketingMessage.__table__  # type: ignore[attr-defined]
# Rows a run may (re)claim: never tried, deferred, skipped before (consent may have come).
CLAIMABLE = ("pending", "skipped")
INSERT_COLUMNS = (
    "id", "campaign_id", "member_id", "customer_id", "channel", "status", "address",
    "subject", "body_sha256", "message_id", "reason", "created_at", "updated_at",
)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """What the ledger holds about one member before a run."""

    id: int
    status: str


def ledger_of(uow: UnitOfWork, campaign_id: int) -> dict[int, LedgerRow]:
    """The campaign's message rows by customer id (Core query: the caller checked access)."""
    query = select(TABLE.c.customer_id, TABLE.c.id, TABLE.c.status).where(
        TABLE.c.campaign_id == campaign_id
    )
    return {
        customer: LedgerRow(row_id, status)
        for customer, row_id, status in uow.session.connection().execute(query)
    }


# (message, customer id, message row id, channel, reason) of one logged interaction.
LogEntry = tuple[RenderedMessage | None, int, int, str, str | None]


def _log(uow: UnitOfWork, kind: str, entries: Sequence[LogEntry]) -> None:
    """Log one interaction per (message, customer, row id, channel, reason)."""
    records = []
    # A batch's payloads differ only by row id: each distinct rest is validated once.
    validated: dict[tuple[int, str | None, str | None], dict[str, object]] = {}
    for message, customer_id, row_id, channel, reason in entries:
        campaign_id = (message.campaign_id if message else None) or 0
        template = (message.template or None) if message else None
        common = validated.get((campaign_id, template, reason))
        if common is None:
            common = validated[(campaign_id, template, reason)] = MessagePayload(
                campaign_id=campaign_id, template=template, reason=reason
            ).model_dump()
        payload = {**common, "message_id": row_id}
        records.append(
            InteractionRecord(
                id=None, customer_id=customer_id, occurred_at=uow.now, channel=channel,
                kind=kind, direction="outbound" if kind != SKIPPED else "internal",
                actor_id=uow.actor_id, subject=message.subject if message else None,
                payload=payload,
            )
        )
    insert_interactions(uow, records)


def record_skips(
    uow: UnitOfWork, campaign_id: int, channel: str, template: str,
    skips: Sequence[tuple[int, int | None, str]], ledger: dict[int, LedgerRow],
) -> None:
    """Store and log members skipped for ``reason`` (each (customer, member, reason)).

    A member an earlier run skipped already is not logged again.
    """
    fresh = [(c, m, r) for c, m, r in skips if c not in ledger]
    again = [(c, r) for c, _, r in skips if c in ledger]
    newly = [(c, ledger[c].id, r) for c, r in again if ledger[c].status != "skipped"]
    connection = uow.session.connection()
    ids = allocate_ids(connection, TABLE, len(fresh)) if fresh else []
    BulkInserter(connection, TABLE, INSERT_COLUMNS).insert(
        (row_id, campaign_id, member, customer, channel, "skipped", None, None, None, None,
         reason, uow.now, uow.now)
        for row_id, (customer, member, reason) in zip(ids, fresh, strict=True)
    )
    if again:
        connection.execute(
            update(TABLE).where(TABLE.c.id == bindparam("row_id"))
            .values(status="skipped", reason=bindparam("why"), updated_at=uow.now),
            [{"row_id": ledger[c].id, "why": r} for c, r in again],
        )
    stub = RenderedMessage(channel, template, 0, None, "", None, "", campaign_id=campaign_id)
    logged = [(c, i, r) for i, (c, _, r) in zip(ids, fresh, strict=True)] + newly
    _log(uow, SKIPPED, [(stub, c, i, channel, r) for c, i, r in logged])


def claim(
    uow: UnitOfWork, messages: Sequence[RenderedMessage], ledger: dict[int, LedgerRow],
    claimable: Sequence[str] = CLAIMABLE,
) -> dict[int, int]:
    """Mark ``messages`` ``attempting``; return their row ids by customer id.

    A member with a row is claimed only while the row is in one of ``claimable``.

    Raises :class:`ValidationError` when another run claimed one of them first.
    """
    connection = uow.session.connection()
    fresh = [m for m in messages if m.customer_id not in ledger]
    again = [m for m in messages if m.customer_id in ledger]
    ids = allocate_ids(connection, TABLE, len(fresh)) if fresh else []
    rows = {m.customer_id: i for m, i in zip(fresh, ids, strict=True)}
    try:
        BulkInserter(connection, TABLE, INSERT_COLUMNS).insert(
            (rows[m.customer_id], m.campaign_id, m.member_id, m.customer_id, m.channel,
             "attempting", m.address, m.subject, m.body_sha256, m.message_id, None,
             uow.now, uow.now)
            for m in fresh
        )
        if again:
            result = connection.execute(
                update(TABLE)
                .where(TABLE.c.id == bindparam("row_id"),
                       or_(*(TABLE.c.status == status for status in claimable)))
                .values(status="attempting", address=bindparam("to"), subject=bindparam("subj"),
                        body_sha256=bindparam("sha"), message_id=bindparam("mid"), reason=None,
                        updated_at=uow.now),
                [{"row_id": ledger[m.customer_id].id, "to": m.address, "subj": m.subject,
                  "sha": m.body_sha256, "mid": m.message_id} for m in again],
            )
            if result.rowcount != len(again):
                raise IntegrityError("claim", None, Exception("claimed elsewhere"))
    except IntegrityError:
        raise ValidationError(
            "campaign", "another run is sending this campaign right now: try again later"
        ) from None
    rows.update({m.customer_id: ledger[m.customer_id].id for m in again})
    return rows


@dataclass
class Outcomes:
    """What one batch came to: messages by outcome, with the server's words."""

    sent: list[RenderedMessage]
    failed: list[tuple[RenderedMessage, str]]
    pending: list[tuple[RenderedMessage, str | None]]


def record(uow: UnitOfWork, outcomes: Outcomes, rows: dict[int, int]) -> None:
    """Store a batch's outcomes, mark sent members, log sends and failures (at ``uow.now``)."""
    at = uow.now
    from guanxi_marketing.campaigns.service import mark_sent

    connection = uow.session.connection()
    setter = (
        update(TABLE).where(TABLE.c.id == bindparam("row_id"), TABLE.c.status == "attempting")
        .values(status=bindparam("to_status"), reason=bindparam("why"),
                sent_at=bindparam("when"), updated_at=uow.now)
    )
    params = [
        {"row_id": rows[m.customer_id], "to_status": "sent", "why": None, "when": at}
        for m in outcomes.sent
    ]
    params += [
        {"row_id": rows[m.customer_id], "to_status": "failed", "why": why, "when": None}
        for m, why in outcomes.failed
    ]
    params += [
        {"row_id": rows[m.customer_id], "to_status": "pending", "why": why, "when": None}
        for m, why in outcomes.pending
    ]
    if params:
        connection.execute(setter, params)
    members = [m.member_id for m in outcomes.sent if m.member_id is not None]
    if members:
        mark_sent(uow, members, at=at)
    _log(uow, SENT, [(m, m.customer_id, rows[m.customer_id], m.channel, None)
                     for m in outcomes.sent])
    _log(uow, FAILED, [(m, m.customer_id, rows[m.customer_id], m.channel, why)
                       for m, why in outcomes.failed])


def resolve(uow: UnitOfWork, row: MarketingMessage, *, delivered: bool) -> None:
    """Settle an unconfirmed message by hand: delivered (→ sent) or not (→ pending)."""
    if row.status != "attempting":
        raise ValidationError("message", f"message {row.id} is {row.status}, not unconfirmed")
    message = RenderedMessage(
        row.channel, "", row.customer_id, row.address, "", row.subject, "",
        campaign_id=row.campaign_id, member_id=row.member_id,
    )
    outcomes = Outcomes(
        sent=[message] if delivered else [],
        failed=[],
        pending=[] if delivered else [(message, "resolved by hand: not delivered")],
    )
    assert row.id is not None
    record(uow, outcomes, {row.customer_id: row.id})
