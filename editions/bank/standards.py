"""The service standard (服务规范) of contact: how long an account manager may leave a
customer without a call or a visit.

The rural bank's service value rests on proactive service by the account manager
[S004:1015–1021]: every customer has one (the record's owner) and a contact period set by
his segment (``[bank] contact_period_days``: 农户 90 days, 产业大户 and 小企业 30) or, for
a 高价值 customer, ``high_value_period_days``. The period is kept as the sales plugin's
core-customer cadence (定人、定期), whose daily job ``sales.core_cadence`` tasks the
account manager when a customer is overdue: that task is the violation. This module only
keeps the cadences in step with the segments and clusters (job ``bank.contact_standard``,
daily before the cadence check, and ``guanxi bank standards sync``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi.models import Customer
from guanxi_editions.bank.clusters import CLUSTER_FIELD
from guanxi_editions.bank.settings import DEFAULT_CLUSTERS, bank_settings
from guanxi_sales.accounts import set_core_customer
from guanxi_sales.models import AccountCadence


@dataclass(frozen=True)
class SyncResult:
    """What a sync did."""

    set: int  # cadences created or changed
    unchanged: int
    no_owner: int  # customers of a segment without an account manager (cannot be held to it)


def standard_period(custom: dict[str, object], app: object) -> int | None:
    """The contact period a customer's segment and cluster call for (None: no standard)."""
    settings = bank_settings(app)
    high_value = settings.value_clusters.get("confidant", DEFAULT_CLUSTERS["confidant"])
    segment = custom.get(settings.segment_field)
    if not isinstance(segment, str) or segment not in settings.contact_period_days:
        return None
    if custom.get(CLUSTER_FIELD) == high_value:
        return settings.high_value_period_days
    return settings.contact_period_days[segment]


def sync_contact_standard(uow: UnitOfWork) -> SyncResult:
    """Give every visible customer of a segment the core cadence of its standard."""
    periods = dict(
        uow.session.exec(
            select(AccountCadence.customer_id, AccountCadence.contact_period_days)
        ).all()
    )
    query = select(Customer.id, Customer.owner_id, Customer.custom).where(
        Customer.erased_at.is_(None)  # type: ignore[union-attr]
    )
    changed = unchanged = no_owner = 0
    for customer_id, owner_id, custom in uow.session.exec(query.order_by(Customer.id)).all():
        period = standard_period(custom or {}, uow.app)
        if period is None:
            continue
        if owner_id is None:
            no_owner += 1
        elif periods.get(customer_id) == period:
            unchanged += 1
        else:
            set_core_customer(uow, customer_id, period_days=period)
            changed += 1
    return SyncResult(changed, unchanged, no_owner)


def standards_job(uow: UnitOfWork, due_at: object) -> str:
    """The job ``bank.contact_standard``."""
    result = sync_contact_standard(uow)
    return (
        f"{result.set} contact periods set, {result.unchanged} unchanged, "
        f"{result.no_owner} without an account manager"
    )
