"""The loyalty area's part of a personal-data export and of an erasure.

Card numbers and member numbers identify the person (they are printed on a card and
typed at tills), and ledger reasons and references are free text: erasure clears
them. Tiers, balances, amounts and points stay, so the programme's totals and
liabilities do not change when a person is forgotten.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from guanxi.app import UnitOfWork
from guanxi_marketing.loyalty.models import Coupon, Membership, PointsEntry, StoredValueEntry

ERASED = "erased"


def _rows(uow: UnitOfWork, model: Any, customer_id: int, *skip: str) -> list[dict[str, Any]]:
    query = select(model).where(model.customer_id == customer_id).order_by(model.id)
    return [{k: v for k, v in row.model_dump(mode="json").items() if k not in skip}
            for row in uow.session.execute(query).scalars()]


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The membership, both ledgers and the coupons of a customer."""
    membership = _rows(uow, Membership, customer_id)
    if not membership:
        coupons = _rows(uow, Coupon, customer_id)
        return {"loyalty": {"coupons": coupons}} if coupons else {}
    return {"loyalty": {
        "membership": membership[0],
        "points": _rows(uow, PointsEntry, customer_id, "customer_id", "membership_id"),
        "stored_value": _rows(uow, StoredValueEntry, customer_id, "customer_id",
                              "membership_id"),
        "coupons": _rows(uow, Coupon, customer_id),
    }}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the card and member numbers and the ledgers' free texts."""
    connection = uow.session.connection()
    members = Membership.__table__  # type: ignore[attr-defined]
    membership_id = connection.execute(
        select(members.c.id).where(members.c.customer_id == customer_id)).scalar()
    if membership_id is None:
        return
    connection.execute(update(members).where(members.c.id == membership_id).values(
        card_number=None, member_number=f"{ERASED}-{membership_id}"))
    for model, column in ((PointsEntry, "reason"), (StoredValueEntry, "reference")):
        table = model.__table__  # type: ignore[attr-defined]
        connection.execute(update(table).where(table.c.customer_id == customer_id)
                           .values({column: None}))
    uow.session.expire_all()
