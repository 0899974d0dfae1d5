"""The assets area's part of the personal-data export and of erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_service.assets.models import Asset, AssetEvent, Warranty


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's assets, their warranty terms and the history of the customer's period."""
    assets = uow.session.exec(select(Asset).where(Asset.customer_id == customer_id)
                              .order_by(Asset.id)).scalars().all()
    events = uow.session.exec(select(AssetEvent).where(AssetEvent.customer_id == customer_id)
                              .order_by(AssetEvent.at, AssetEvent.id)).scalars().all()
    if not assets and not events:
        return {}
    ids = [a.id for a in assets]
    terms = uow.session.exec(select(Warranty).where(Warranty.asset_id.in_(ids))  # type: ignore[union-attr]
                             .order_by(Warranty.id)).scalars().all() if ids else []
    return {
        "assets": [{"id": a.id, "serial_number": a.serial_number, "product": a.product,
                    "model": a.model, "dealer_id": a.dealer_id,
                    "handed_over_on": a.handed_over_on, "location": a.location,
                    "status": a.status, "attributes": dict(a.attributes), "notes": a.notes,
                    "created_at": a.created_at} for a in assets],
        "warranties": [{"id": w.id, "asset_id": w.asset_id, "terms": w.terms,
                        "starts_on": w.starts_on, "ends_on": w.ends_on,
                        "coverage": w.coverage} for w in terms],
        "asset_events": [{"asset_id": e.asset_id, "at": e.at, "kind": e.kind,
                          "from": e.from_value, "to": e.to_value, "note": e.body}
                         for e in events],
    }


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear notes and locations of the customer's assets and the notes of the history of
    the customer's period; serials, products, dates and warranty terms stay (the service
    figures and a later owner need them)."""
    connection = uow.session.connection()
    assets = Asset.__table__  # type: ignore[attr-defined]
    connection.execute(update(assets).where(assets.c.customer_id == customer_id)
                       .values(notes=None, location=None))
    events = AssetEvent.__table__  # type: ignore[attr-defined]
    connection.execute(update(events).where(events.c.customer_id == customer_id)
                       .values(body=None))
    uow.session.expire_all()
