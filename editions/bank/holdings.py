"""Products held kept in step with the log, and the customer 360 section of them.

A core-banking feed (or a teller) logs ``bank.product_opened`` and
``bank.product_closed``; the customer's ``products_held`` follows, so the cross-sell
baskets are what the log says. A correction entry is not applied (reverse a wrong
opening by logging the closing).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi.models import Customer
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi.registry import Section
from guanxi.services.updates import update_customer
from guanxi_editions.bank.clusters import CLUSTER_FIELD
from guanxi_editions.bank.products import PRODUCTS, product_name
from guanxi_editions.bank.settings import bank_settings

OPENED, CLOSED = "bank.product_opened", "bank.product_closed"


def apply_product_changes(uow: UnitOfWork, interactions: Sequence[InteractionRecord]) -> None:
    """Add opened and remove closed products from the customers' ``products_held``."""
    changes = sorted(
        (i for i in interactions if i.kind in (OPENED, CLOSED) and i.corrects_id is None),
        key=lambda i: (i.occurred_at, i.id or 0),
    )
    if not changes:
        return
    ids = sorted({i.customer_id for i in changes})
    held = {
        cid: list((custom or {}).get("products_held") or [])
        for cid, custom in uow.session.exec(
            select(Customer.id, Customer.custom).where(Customer.id.in_(ids))  # type: ignore[union-attr]
        ).all()
    }
    before = {cid: list(products) for cid, products in held.items()}
    for item in changes:
        products = held.setdefault(item.customer_id, [])
        product = item.payload["product"]
        if item.kind == OPENED and product not in products:
            products.append(product)
        elif item.kind == CLOSED and product in products:
            products.remove(product)
    for cid in ids:
        if held.get(cid) != before.get(cid):
            # Catalogue order, so the same holdings always read the same.
            ordered = [p for p in PRODUCTS if p in held[cid]]
            update_customer(uow, cid, {"custom": {"products_held": ordered}})


def bank_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """客户经营 banking: segment, cluster, products held and balances."""
    custom = customer.custom or {}
    segment_field = bank_settings(uow.app).segment_field
    if not any(custom.get(k) for k in (segment_field, "products_held", CLUSTER_FIELD)):
        return None
    held = custom.get("products_held") or []
    rows: list[tuple[str, object]] = [
        ("segment 客户类别", custom.get(segment_field) or ""),
        ("value cluster 价值分群", custom.get(CLUSTER_FIELD) or ""),
        ("products 持有产品", "、".join(product_name(p) for p in held)),
    ]
    for key, label in (
        ("deposit_balance", "deposits 存款余额"),
        ("loan_balance", "loans 贷款余额"),
        ("wealth_balance", "wealth 理财余额"),
        ("credit_limit", "card limit 信用卡额度"),
    ):
        if custom.get(key) is not None:
            rows.append((label, custom[key]))
    return Section(title="银行业务 banking", rows=rows)
