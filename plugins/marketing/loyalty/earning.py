"""Points earned from the interaction log, and taken back when a purchase is corrected.

``interactions_logged`` calls :func:`points_from_log` with every batch appended to the
log. A purchase (an interaction of a kind in ``earn_rates`` with positive revenue in
the edition's currency, at or after the member enrolled) earns
``revenue × rate × tier multiplier`` points, once: the ledger entry names the
interaction. A correction (``corrects_id``) of a purchase that earned moves the points
by its own revenue at the purchase's rate — a negative correction takes points back,
at most as many as the purchase gave.

This runs inside the transaction that logs the purchase, for whoever logged it, so it
works at the Core level (no per-row ORM or audit cost at import volume, no permission
of its own: logging the purchase was the permitted act).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func, select, update
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.models import Interaction
from guanxi.records import InteractionRecord
from guanxi.services.interactions import record_from_row
from guanxi_marketing.loyalty.common import get_membership, loyalty_settings, slices
from guanxi_marketing.loyalty.members import tier_spec
from guanxi_marketing.loyalty.points import (
    ENTRIES,
    MEMBERS,
    consume_lots,
    expire_cached_members,
    expiry_of,
    lot_size,
    points_for,
)

LOG = Interaction.__table__  # type: ignore[attr-defined]


@dataclass
class _Member:
    id: int
    customer_id: int
    tier: str
    status: str
    enrolled_at: dt.datetime
    balance: int


def _members(connection: Connection, customer_ids: Sequence[int]) -> dict[int, _Member]:
    found: dict[int, _Member] = {}
    columns = (MEMBERS.c.id, MEMBERS.c.customer_id, MEMBERS.c.tier, MEMBERS.c.status,
               MEMBERS.c.enrolled_at, MEMBERS.c.points_balance)
    for chunk in slices(sorted(set(customer_ids))):
        query = select(*columns).where(MEMBERS.c.customer_id.in_(chunk)).with_for_update()
        found.update({row.customer_id: _Member(*row) for row in connection.execute(query)})
    return found


def _earned_on(connection: Connection, interaction_ids: Sequence[int]) -> dict[int, tuple]:
    """The earn entries of these purchases: interaction id → (entry id, points, rate)."""
    found: dict[int, tuple] = {}
    for chunk in slices(sorted(set(interaction_ids))):
        query = select(ENTRIES.c.interaction_id, ENTRIES.c.id, ENTRIES.c.points,
                       ENTRIES.c.multiplier).where(ENTRIES.c.kind == "earn",
                                                   ENTRIES.c.interaction_id.in_(chunk))
        found.update({row[0]: tuple(row[1:]) for row in connection.execute(query)})
    return found


def _reversed_already(connection: Connection, purchase_id: int) -> int:
    """Points already taken back by earlier corrections of the purchase."""
    query = (select(func.coalesce(func.sum(ENTRIES.c.points), 0))
             .join(LOG, LOG.c.id == ENTRIES.c.interaction_id)
             .where(ENTRIES.c.kind == "reverse", LOG.c.corrects_id == purchase_id))
    return -int(connection.execute(query).scalar_one())


def points_from_log(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> set[int]:
    """Earn and reverse points for a batch of logged interactions; return the ids of the
    memberships whose balance grew (candidates for an upgrade)."""
    settings = loyalty_settings(uow.app)
    rates, currency = settings.earn_rates, uow.app.settings.currency
    relevant = [i for i in interactions
                if i.revenue is not None and i.currency == currency
                and (i.corrects_id is not None or (i.kind in rates and i.revenue > 0))]
    if not relevant:
        return set()
    connection = uow.session.connection()
    members = _members(connection, [i.customer_id for i in relevant])
    if not members:
        return set()
    earned = _earned_on(connection, [i.corrects_id for i in relevant if i.corrects_id])
    rows: list[dict] = []
    grew: set[int] = set()
    taken_back: dict[int, int] = {}  # purchase id → points reversed in this batch
    for item in relevant:
        member = members.get(item.customer_id)
        if member is None:
            continue
        assert item.revenue is not None
        if item.corrects_id is None:
            if member.status != "active" or item.occurred_at < member.enrolled_at:
                continue
            per_unit = rates[item.kind] * tier_spec(uow, member.tier).points_multiplier
        elif item.corrects_id in earned:
            per_unit = earned[item.corrects_id][2]
        else:
            continue  # a correction of something that earned nothing
        points = points_for(item.revenue, per_unit)
        if points < 0:
            lot_id, given, _ = earned[item.corrects_id]  # type: ignore[index]
            purchase = item.corrects_id
            if purchase not in taken_back:
                taken_back[purchase] = _reversed_already(connection, purchase)
            points = -min(-points, given - taken_back[purchase])
            if points == 0:
                continue
            taken_back[purchase] -= points
            # A debt is allowed here: the purchase was undone, whatever was spent since.
            consume_lots(connection, member.id, -points, first_lot=lot_id)
            rows.append(_entry(member, "reverse", points, item, per_unit, None, None))
        elif points > 0:
            rows.append(_entry(member, "earn", points, item, per_unit,
                               lot_size(member.balance, points), expiry_of(uow, item.occurred_at)))
            grew.add(member.id)
        else:
            continue
        member.balance += points
    if rows:
        connection.execute(ENTRIES.insert(), rows)
        changed = {r["membership_id"] for r in rows}
        for member in members.values():
            if member.id in changed:
                connection.execute(update(MEMBERS).where(MEMBERS.c.id == member.id)
                                   .values(points_balance=member.balance))
        expire_cached_members(uow)
    return grew


def _entry(member: _Member, kind: str, points: int, item: InteractionRecord, per_unit: Decimal,
           remaining: int | None, expires_at: dt.datetime | None) -> dict:
    return {"membership_id": member.id, "customer_id": member.customer_id, "kind": kind,
            "points": points, "remaining": remaining, "expires_at": expires_at,
            "occurred_at": item.occurred_at, "interaction_id": item.id,
            "basis": item.revenue, "multiplier": per_unit, "reason": None, "actor_id": None}


def credit_history(
    uow: UnitOfWork, customer_id: int, *, since: dt.datetime | None = None
) -> int:
    """Earn the points of purchases already in the log (from ``since``, default the
    enrolment) that have not earned yet; return the points credited.

    For members enrolled with their history (an import, the demo): the purchases were
    logged before the membership existed, so nothing earned on them then.
    """
    membership = get_membership(uow, customer_id)
    start = max(since or membership.enrolled_at, membership.enrolled_at)
    kinds = list(loyalty_settings(uow.app).earn_rates)
    query = (select(Interaction)
             .where(Interaction.customer_id == customer_id, col(Interaction.kind).in_(kinds),
                    col(Interaction.occurred_at) >= start, col(Interaction.occurred_at) <= uow.now)
             .order_by(col(Interaction.occurred_at), col(Interaction.id)))
    purchases = [record_from_row(row) for row in uow.session.execute(query).scalars()]
    before = membership.points_balance
    known = _earned_on(uow.session.connection(), [p.id for p in purchases if p.id])
    points_from_log(uow, [p for p in purchases if p.id not in known and p.corrects_id is None])
    uow.session.refresh(membership)
    return membership.points_balance - before
