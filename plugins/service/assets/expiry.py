"""The daily job ``service.warranty_expiry``: remind before a warranty ends, announce its end.

Each run, for the local day of its due time:

* a warranty of an active asset ending within ``reminder_days`` (today included) and not
  reminded yet gets a core task for the owner of the asset's customer ("保修即将到期"),
  unless another term of the asset continues the cover the day after it ends (an
  extended warranty already sold); ``reminded_on`` records the day, so once only;
* a warranty that ended before today and was not announced yet is logged as
  ``service.warranty_expired`` on the owner's timeline (the visits area may plan a
  return visit from it) and in the asset's history; ``expired_logged`` makes it once.
  A retired asset's terms are marked without a log entry.

Running twice on a day changes nothing the second time. It works in id chunks so a
large archive does not load at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Customer
from guanxi.services.interactions import log_interactions
from guanxi.services.tasks import create_task
from guanxi_service.assets.common import asset_settings, record_event
from guanxi_service.assets.models import Asset, Warranty
from guanxi_service.assets.warranties import warranty_payload

JOB = "service.warranty_expiry"
BATCH = 500
TASK_SOURCE = "service.warranty_expiry"


def _continuations(uow: UnitOfWork, batch: list[Warranty]) -> set[int]:
    """The ids among ``batch`` whose cover another term of the same asset continues (one
    starting by the day after it ends and ending later)."""
    ids = {w.asset_id for w in batch}
    terms: dict[int, list[tuple[int, dt.date, dt.date]]] = {}
    for wid, asset_id, start, end in uow.session.exec(select(
            Warranty.id, Warranty.asset_id, Warranty.starts_on, Warranty.ends_on).where(
            Warranty.asset_id.in_(ids))):  # type: ignore[attr-defined]
        terms.setdefault(asset_id, []).append((wid, start, end))
    return {w.id for w in batch if w.id is not None and any(
        other != w.id and start <= w.ends_on + dt.timedelta(days=1) and end > w.ends_on
        for other, start, end in terms.get(w.asset_id, []))}


def remind(uow: UnitOfWork, day: dt.date) -> int:
    """Raise the reminder tasks due on ``day``; how many were raised."""
    last = day + dt.timedelta(days=asset_settings(uow.app).reminder_days)
    raised = 0
    after = 0
    while True:
        rows = uow.session.exec(
            select(Warranty, Asset, Customer.owner_id)
            .join(Asset, Asset.id == Warranty.asset_id)
            .join(Customer, Customer.id == Asset.customer_id)
            .where(Warranty.id > after, Warranty.reminded_on.is_(None),  # type: ignore[union-attr]
                   Warranty.ends_on >= day, Warranty.ends_on <= last,
                   Asset.status == "active")
            .order_by(Warranty.id).limit(BATCH)).all()
        if not rows:
            return raised
        continued = _continuations(uow, [w for w, _, _ in rows])
        for warranty, asset, owner_id in rows:
            after = warranty.id
            if warranty.id in continued:
                continue
            left = (warranty.ends_on - day).days
            due = day + dt.timedelta(days=min(7, left))
            name = " ".join(p for p in (asset.product, asset.model) if p)
            create_task(
                uow, customer_id=asset.customer_id,
                title=f"保修即将到期: {name} {asset.serial_number}（{warranty.ends_on} 到期）",
                due_at=dt.datetime.combine(due, dt.time(9)), assignee=owner_id,
                notes=f"{warranty.terms}: {warranty.starts_on} – {warranty.ends_on}. "
                      "Offer an extended warranty or a last check under warranty.",
                source=TASK_SOURCE)
            warranty.reminded_on = day
            record_event(uow, asset, "warranty_reminded", to_value=warranty.ends_on.isoformat(),
                         body=warranty.terms)
            raised += 1
        uow.session.flush()


def announce(uow: UnitOfWork, day: dt.date) -> int:
    """Log ``service.warranty_expired`` for the terms that ended before ``day``."""
    logged = 0
    after = 0
    while True:
        rows = uow.session.exec(
            select(Warranty, Asset).join(Asset, Asset.id == Warranty.asset_id)
            .where(Warranty.id > after, Warranty.expired_logged.is_(False),  # type: ignore[attr-defined]
                   Warranty.ends_on < day)
            .order_by(Warranty.id).limit(BATCH)).all()
        if not rows:
            return logged
        entries = []
        for warranty, asset in rows:
            after = warranty.id
            warranty.expired_logged = True
            if asset.status != "active":
                continue
            record_event(uow, asset, "warranty_expired", to_value=warranty.ends_on.isoformat(),
                         body=warranty.terms)
            entries.append({
                "customer_id": asset.customer_id, "kind": "service.warranty_expired",
                "direction": "internal", "subject": f"保修到期 {warranty.terms} "
                                                    f"{asset.serial_number}"[:500],
                "payload": warranty_payload(asset, warranty)})
        uow.session.flush()
        if entries:
            log_interactions(uow, entries)
            logged += len(entries)


def warranty_expiry(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The job: reminders, then announcements, for the local day of ``due_at``."""
    day = uow.app.local_time(due_at).date()
    reminded = remind(uow, day)
    expired = announce(uow, day)
    return f"{reminded} reminders, {expired} warranties expired"
