"""The assets area's reports (``guanxi report run service.…``), as JSON-ready dicts.

Both read through ORM selects of the registered models, so a user sees the figures of the
customers he may see only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, exists, func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi.inputs import parse_date
from guanxi.services.lookup import customer_names
from guanxi_service.assets.common import ASSET, WARRANTY, asset_settings
from guanxi_service.assets.models import Asset, Warranty


def _days(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ValidationError("days", f"not a whole number: {value!r}") from None
    if not 0 <= days <= 3650:
        raise ValidationError("days", "must be 0 to 3650")
    return days


@dataclass(frozen=True)
class ExpiringRow:
    """A warranty ending soon, with its asset and owner."""

    warranty_id: int
    terms: str
    ends_on: dt.date
    days_left: int
    reminded_on: dt.date | None
    asset_id: int
    serial_number: str
    product: str
    model: str | None
    customer_id: int
    customer: str | None
    dealer_id: int | None
    dealer: str | None


def warranties_expiring(uow: UnitOfWork, *, days: int | str | None = None,
                        on: dt.date | str | None = None) -> list[ExpiringRow]:
    """Warranties of active assets ending from ``on`` (default today) to ``days`` later
    (default: the reminder days of the settings), soonest first."""
    require(uow, WARRANTY, "read")
    require(uow, ASSET, "read")
    day = parse_date(on, "on") or uow.today()
    span = _days(days, asset_settings(uow.app).reminder_days)
    rows = uow.session.exec(
        select(Warranty, Asset).join(Asset, Asset.id == Warranty.asset_id)
        .where(Warranty.ends_on >= day, Warranty.ends_on <= day + dt.timedelta(days=span),
               Asset.status == "active")
        .order_by(Warranty.ends_on, Warranty.id)).all()
    names = customer_names(uow, [x for _, a in rows for x in (a.customer_id, a.dealer_id)])
    return [ExpiringRow(
        warranty_id=w.id, terms=w.terms, ends_on=w.ends_on, days_left=(w.ends_on - day).days,
        reminded_on=w.reminded_on, asset_id=a.id, serial_number=a.serial_number,
        product=a.product, model=a.model, customer_id=a.customer_id,
        customer=names.get(a.customer_id), dealer_id=a.dealer_id,
        dealer=names.get(a.dealer_id) if a.dealer_id else None) for w, a in rows]


@dataclass(frozen=True)
class DealerRow:
    """Assets of one dealer and product: how many, in and out of warranty on the day."""

    dealer_id: int | None
    dealer: str | None
    product: str
    assets: int
    in_warranty: int
    expired: int
    no_warranty: int

    @property
    def out_of_warranty(self) -> int:
        """Expired or never under warranty."""
        return self.expired + self.no_warranty


def assets_by_dealer(uow: UnitOfWork, *, on: dt.date | str | None = None,
                     status: str | None = "active") -> list[DealerRow]:
    """Assets per dealer and product with their warranty state on ``on`` (default today);
    ``status`` None counts retired assets too. One grouped query."""
    require(uow, ASSET, "read")
    day = parse_date(on, "on") or uow.today()
    covered = exists().where(Warranty.asset_id == Asset.id, Warranty.starts_on <= day,
                             Warranty.ends_on >= day)
    any_term = exists().where(Warranty.asset_id == Asset.id)
    query = (select(Asset.dealer_id, Asset.product, func.count(),
                    func.sum(case((covered, 1), else_=0)),
                    func.sum(case((any_term, 1), else_=0)))
             .group_by(Asset.dealer_id, Asset.product))
    if status is not None:
        query = query.where(Asset.status == status)
    rows = uow.session.exec(query).all()
    names = customer_names(uow, [r[0] for r in rows])
    result = [DealerRow(dealer_id=d, dealer=names.get(d) if d else None, product=p,
                        assets=int(n), in_warranty=int(c or 0), expired=int(t or 0) - int(c or 0),
                        no_warranty=int(n) - int(t or 0)) for d, p, n, c, t in rows]
    return sorted(result, key=lambda r: (r.dealer is None, r.dealer or "", r.dealer_id or 0,
                                         r.product))


def expiring_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.warranty_expiring``: options days, on."""
    rows = warranties_expiring(uow, days=options.get("days"), on=options.get("on"))
    return {"report": "service.warranty_expiring",
            "on": to_jsonable(parse_date(options.get("on"), "on") or uow.today()),
            "days": _days(options.get("days"), asset_settings(uow.app).reminder_days),
            "rows": to_jsonable(rows)}


def dealer_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.assets_by_dealer``: options on, all (retired assets too)."""
    all_assets = str(options.get("all", "")).lower() in ("1", "true", "yes")
    rows = assets_by_dealer(uow, on=options.get("on"), status=None if all_assets else "active")
    return {"report": "service.assets_by_dealer",
            "on": to_jsonable(parse_date(options.get("on"), "on") or uow.today()),
            "rows": [{**to_jsonable(r), "out_of_warranty": r.out_of_warranty} for r in rows],
            "total": {"assets": sum(r.assets for r in rows),
                      "in_warranty": sum(r.in_warranty for r in rows),
                      "out_of_warranty": sum(r.out_of_warranty for r in rows)}}


def register_reports(register: Callable[..., None]) -> None:
    """Warranties expiring soon; assets by dealer and product."""
    register("service.warranty_expiring", expiring_report,
             description="warranties of active assets ending in the next N days")
    register("service.assets_by_dealer", dealer_report,
             description="assets per dealer and product, in and out of warranty")
