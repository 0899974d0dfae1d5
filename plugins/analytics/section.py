"""The analytics section of the customer 360 view: what the stored analyses say.

It reads the stored results only (the latest value refresh, CLV fit and churn alerts),
never recomputes, so the 360 view stays one cheap lookup per table. Each part appears
only when the principal may read its records. The lookups are prepared Core statements:
the view's customer has been read (and allowed) already, and everything keyed by a
customer one sees is seen too (decision 20).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select

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

_value = CustomerValue.__table__  # type: ignore[attr-defined]
_clv = CustomerClv.__table__  # type: ignore[attr-defined]
_churn = ChurnAlert.__table__  # type: ignore[attr-defined]
_VALUE = select(_value).where(_value.c.customer_id == bindparam("customer"))
_CLV = select(_clv).where(_clv.c.customer_id == bindparam("customer"))
_OPEN_ALERTS = (
    select(_churn.c.kind, _churn.c.month)
    .where(_churn.c.customer_id == bindparam("customer"), _churn.c.status != "closed")
    .order_by(_churn.c.month.desc())
)


def _rows(uow: UnitOfWork, statement: Any, customer_id: int) -> Any:
    return uow.session.connection().execute(statement, {"customer": customer_id})


def value_lines(uow: UnitOfWork, customer_id: int) -> list[Row]:
    """Tier, ABC class, member class and RFM segment of the latest refresh."""
    value = _rows(uow, _VALUE, customer_id).first()
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
    clv = _rows(uow, _CLV, customer_id).first()
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
    alerts = _rows(uow, _OPEN_ALERTS, customer_id).all()
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
