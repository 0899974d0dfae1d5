"""The service section of the customer 360 view: what support knows about the customer.

Each area contributes its lines only when the principal may read its records, so an
agent without rights on assets still sees the tickets.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_service.assets.common import ASSET
from guanxi_service.assets.models import Asset, Warranty
from guanxi_service.tickets.common import TICKET
from guanxi_service.tickets.section import ticket_lines
from guanxi_service.visits.common import VISIT
from guanxi_service.visits.listing import next_visit

_asset = Asset.__table__  # type: ignore[attr-defined]
_ACTIVE_ASSETS = select(func.count()).where(
    _asset.c.customer_id == bindparam("customer"), _asset.c.status == "active"
)


def asset_lines(uow: UnitOfWork, customer_id: int) -> list[tuple[str, Any]]:
    """How many active assets the customer has, and how many a warranty covers today."""
    # Prepared, Core: the customer is allowed already, so are his assets (decision 20).
    given = {"customer": customer_id}
    total = uow.session.connection().execute(_ACTIVE_ASSETS, given).scalar()
    if not total:
        return []
    today = uow.today()
    active = (Asset.customer_id == customer_id, Asset.status == "active")
    covered = uow.session.exec(
        select(func.count(func.distinct(Asset.id))).select_from(Asset)
        .join(Warranty, Warranty.asset_id == Asset.id)
        .where(*active, Warranty.starts_on <= today, Warranty.ends_on >= today)).one()[0]
    return [("assets 设备", total), ("under warranty 保修期内", covered)]


def customer_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """Open tickets by SLA deadline and the recently closed ones, assets and warranty
    cover, the next return visit; None when there is nothing the principal may see."""
    if customer.id is None:
        return None
    rows: list[tuple[str, Any]] = []
    items: list[dict[str, Any]] = []
    if uow.principal.can(TICKET, "read"):
        rows, items = ticket_lines(uow, customer.id)
    if uow.principal.can(ASSET, "read"):
        rows.extend(asset_lines(uow, customer.id))
    if uow.principal.can(VISIT, "read"):
        visit = next_visit(uow, customer.id)
        if visit is not None:
            rows.append(("next return visit 下次回访", f"{visit.due_on} {visit.title}"))
    return Section(title="服务 service", rows=rows, items=items) if rows else None
