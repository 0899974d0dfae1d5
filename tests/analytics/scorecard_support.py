"""Small worlds for the scorecard tests, with every figure worked out in the comments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_staff, grant_role
from guanxi_analytics.common import Period
from guanxi_analytics.kpi import Kpi

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
# The previous period of the same length (31 days): 29 January – 28 February.
BEFORE_MARCH = Period(dt.date(2026, 1, 29), dt.date(2026, 3, 1))


def at(day: str, hour: int = 4) -> dt.datetime:
    """``day`` at ``hour`` UTC (noon in Shanghai at the default hour)."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def shop(app: App) -> dict[str, int]:
    """Five customers and their purchases in February and March 2026.

    Customers (created 5 January unless said): A 张三 (agent's; email; segment vip;
    stage customer), B 李四 (agent's; phone; vip; roles customer and partner),
    C 大华公司 (other's; an organisation; key; industry 机械), D 赵六 (agent's; created
    5 March),
    E 孙七 (agent's; nothing logged). The agent sees A, B, D and E; "other" sees C.

    February: A 100.00 (P1 2 × 50), C 300.00 (no lines).
    March: A 200.00 (P1 1 × 50, P2 × 3 unpriced → 150), B 150.00 (no lines),
    D 90.00 (P2 × 1 unpriced → 90), C 60.00 (P1 1 × 50, P3 1 × 10), a correction
    of B's purchase −50.00 on 25 March, and a call to A on 15 March.
    """
    ids: dict[str, int] = {}
    with app.transaction(now=at("2026-01-05")) as uow:
        for username, name in (("agent", "小王"), ("other", "李四")):
            add_staff(uow, username=username, display_name=name)
            grant_role(uow, staff=username, role="agent")
        ids["a"] = add_customer(uow, name="张三", owner="agent", emails=["zhang@example.cn"],
                                lifecycle_stage="customer", custom={"value_segment": "vip"}).id
        ids["b"] = add_customer(uow, name="李四", owner="agent", phones=["13800138000"],
                                roles=["customer", "partner"], custom={"value_segment": "vip"}).id
        ids["c"] = add_customer(uow, name="大华公司", kind="organization", owner="other",
                                custom={"value_segment": "key", "industry": "机械"}).id
        ids["e"] = add_customer(uow, name="孙七", owner="agent").id
    with app.transaction(now=at("2026-03-05")) as uow:
        ids["d"] = add_customer(uow, name="赵六", owner="agent").id

    def buy(customer: str, day: str, amount: str, lines: list[dict[str, Any]] | None = None,
            **extra: Any) -> dict[str, Any]:
        return {"customer_id": ids[customer], "kind": "core.purchase", "occurred_at": at(day),
                "revenue": Decimal(amount), "payload": {"lines": lines or []}, **extra}

    with app.transaction(now=at("2026-03-31")) as uow:
        rows = [
            buy("a", "2026-02-10", "100.00", [{"sku": "P1", "name": "滤芯", "quantity": 2,
                                               "unit_price": 50}]),
            buy("c", "2026-02-12", "300.00"),
            buy("a", "2026-03-03", "200.00", [
                {"sku": "P1", "name": "滤芯", "quantity": 1, "unit_price": 50},
                {"sku": "P2", "name": "保养服务", "quantity": 3}]),
            buy("b", "2026-03-08", "150.00"),
            buy("d", "2026-03-20", "90.00", [{"sku": "P2", "name": "保养服务", "quantity": 1}]),
            buy("c", "2026-03-21", "60.00", [
                {"sku": "P1", "name": "滤芯", "quantity": 1, "unit_price": 50},
                {"sku": "P3", "name": "密封圈", "quantity": 1, "unit_price": 10}]),
            {"customer_id": ids["a"], "kind": "core.contact", "occurred_at": at("2026-03-15"),
             "channel": "phone"},
        ]
        logged = log_interactions(uow, rows)
        b_purchase = logged[3].id
        log_interactions(uow, [{"customer_id": ids["b"], "kind": "core.purchase",
                                "occurred_at": at("2026-03-25"), "revenue": Decimal("-50.00"),
                                "corrects_id": b_purchase}])
    return ids


def fake_kpi(key: str, march: float | None, before: float | None, *, unit: str = "ratio",
             higher_is_better: bool = True) -> Kpi:
    """A KPI worth ``march`` over March 2026 and ``before`` over any other period."""

    def compute(uow: Any, period: Period) -> float | None:
        return march if period == MARCH else before

    return Kpi(key, f"test {key}", unit, higher_is_better, compute)  # type: ignore[arg-type]


def failing_kpi(key: str) -> Kpi:
    """A KPI whose area refuses to compute (as CLV does with too few purchases)."""

    def compute(uow: Any, period: Period) -> float | None:
        raise ValidationError("purchases", "too few repeat purchases to fit (3, need 10)")

    return Kpi(key, f"test {key}", "amount", True, compute)
