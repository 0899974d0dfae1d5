"""The 360 view's 整车档案 section: a customer's vehicles at a glance."""

from __future__ import annotations

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi.services.lookup import customer_names
from guanxi_service.assets.models import Asset
from guanxi_service.assets.service import warranty_status


def vehicles_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """One row per vehicle: VIN, model, selling dealer, sale day, warranty status."""
    product = uow.app.settings_for("automotive").vehicle_product
    vehicles = list(
        uow.session.scalars(
            select(Asset)
            .where(Asset.customer_id == customer.id, Asset.product == product)
            .order_by(Asset.id)
        )
    )
    if not vehicles:
        return None
    dealers = customer_names(uow, [v.dealer_id for v in vehicles])
    rows = [
        (
            v.serial_number,
            f"{v.model or ''} · {dealers.get(v.dealer_id or 0, '—')}"
            f" · 售出 {v.handed_over_on or '—'} · {warranty_status(uow, v.id or 0, uow.today())}",
        )
        for v in vehicles
    ]
    return Section(title="整车档案 vehicles", rows=rows)
