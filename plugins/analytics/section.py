"""The analytics section of the customer 360 view: what the stored analyses say.

It reads the stored results only (the latest value refresh, CLV fit and churn alerts),
never recomputes, so the 360 view stays one cheap lookup per table. Each part appears
only when the principal may read its records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_analytics.churn.models import ChurnAlert
from guanxi_analytics.clv.common import CUSTOMER_CLV
from guanxi_analytics.clv.models import CustomerClv
from guanxi_analytics.value.models import CustomerValue

VALUE = "analytics.customer_value"
CHURN_ALERT = "analytics.churn_alert"

Row = tuple[str, Any]


def value_lines(uow: UnitOfWork, customer_id: int) -> list[Row]:
    """Tier, ABC class, member class and RFM segment of the latest refresh."""
    value = uow.session.get(CustomerValue, customer_id)
    if value is None:
        return []
    last_day = value.period_end - dt.timedelta(days=1)
    rfm = None
    if value.recency_score is not None:
        scores = f"R{value.recency_score}F{value.frequency_score}M{value.monetary_score}"
        rfm = f"{value.rfm_segment} ({scores})"
    rows: list[Row] = [
        ("value tier 价值层级", value.tier),
        # period_end is exclusive: show the last day, as --to is written.
        ("margin 利润", f"{value.margin} ({value.period_start} – {last_day})"),
        ("ABC class", value.abc),
        ("member class 会员象限", value.member_class),
        ("RFM", rfm),
    ]
    return [(label, shown) for label, shown in rows if shown is not None]


def clv_lines(uow: UnitOfWork, customer_id: int) -> list[Row]:
    """CLV, probability alive and expected purchases of the latest fit."""
    clv = uow.session.get(CustomerClv, customer_id)
    if clv is None:
        return []
    rows: list[Row] = [
        ("probability alive 存活概率", f"{clv.p_alive:.0%}"),
        ("expected purchases 预期购买", f"{clv.expected_purchases:.2f}"),
    ]
    if clv.clv is not None:
        rows.insert(0, ("CLV 客户终生价值", clv.clv))
    return rows


def churn_lines(uow: UnitOfWork, customer_id: int) -> list[Row]:
    """The customer's open churn alerts, newest month first."""
    alerts = uow.session.exec(
        select(ChurnAlert.kind, ChurnAlert.month)
        .where(ChurnAlert.customer_id == customer_id, ChurnAlert.status != "closed")
        .order_by(ChurnAlert.month.desc())  # type: ignore[attr-defined]
    ).all()
    return [("churn alert 流失预警", f"{kind} {month:%Y-%m}") for kind, month in alerts]


def customer_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """The customer's value classification, CLV and open churn alerts; None when there
    is nothing stored or nothing the principal may see."""
    if customer.id is None:
        return None
    rows: list[Row] = []
    if uow.principal.can(VALUE, "read"):
        rows.extend(value_lines(uow, customer.id))
    if uow.principal.can(CUSTOMER_CLV, "read"):
        rows.extend(clv_lines(uow, customer.id))
    if uow.principal.can(CHURN_ALERT, "read"):
        rows.extend(churn_lines(uow, customer.id))
    return Section(title="分析 analytics", rows=rows) if rows else None
