"""Merging two members: the survivor's membership takes the other's balances and tier."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlmodel import select

from guanxi.app import App
from guanxi.identity.merge import merge_customers, undo_merge
from guanxi.services.customers import add_customers
from guanxi_marketing.loyalty.members import enrol
from guanxi_marketing.loyalty.models import Membership
from guanxi_marketing.loyalty.points import adjust_points
from guanxi_marketing.loyalty.stored_value import top_up


def _members(uow, ids):  # type: ignore[no-untyped-def]
    return {m.customer_id: m for m in uow.session.exec(
        select(Membership).where(Membership.customer_id.in_(ids)))}  # type: ignore[attr-defined]


def test_balances_add_up_and_undo_splits_them_again(make_app: Callable[..., App]) -> None:
    app = make_app(entry_points=True, enable=["marketing"])
    with app.transaction() as uow:
        a, b = add_customers(uow, [{"name": "周杰"}, {"name": "周 杰"}])
        enrol(uow, a.id)
        enrol(uow, b.id)
        adjust_points(uow, a.id, 120, reason="welcome")
        adjust_points(uow, b.id, 80, reason="welcome")
        top_up(uow, b.id, Decimal("50.00"))
    with app.transaction() as uow:
        merge = merge_customers(uow, a.id, [b.id])
    with app.transaction() as uow:
        members = _members(uow, [a.id, b.id])
        assert set(members) == {a.id}
        assert members[a.id].points_balance == 200  # 120 + 80
        assert members[a.id].stored_value_balance == Decimal("50.00")
    with app.transaction() as uow:
        undo_merge(uow, merge.id)
    with app.transaction() as uow:
        members = _members(uow, [a.id, b.id])
        assert members[a.id].points_balance == 120
        assert members[b.id].points_balance == 80
        assert members[b.id].stored_value_balance == Decimal("50.00")
