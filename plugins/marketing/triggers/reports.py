"""The triggers area's reports for ``guanxi report run``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_marketing.triggers.models import TriggerFire
from guanxi_marketing.triggers.posts import content_report


def _day(value: Any, name: str, default: dt.date) -> dt.date:
    if value is None:
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(name, f"not a date (YYYY-MM-DD): {value!r}") from None


def content_policy_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.content_policy``: options on (a day of the period), account."""
    today = uow.app.local_time(uow.now).date()
    day = _day(options.get("on"), "on", today)
    rows = content_report(uow, on=day, account=options.get("account"))
    return {"report": "marketing.content_policy", "on": day.isoformat(), "rows": rows}


def trigger_fires_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.trigger_fires``: customers chosen per trigger, period and
    campaign (visible customers only); options trigger, since (a day)."""
    require(uow, "marketing.trigger_fire", "read")
    query = (
        select(
            TriggerFire.trigger,
            TriggerFire.period,
            TriggerFire.campaign_id,
            func.count(),
            func.min(TriggerFire.fired_on),
            func.max(TriggerFire.fired_on),
        )
        .group_by(col(TriggerFire.trigger), col(TriggerFire.period), col(TriggerFire.campaign_id))
        .order_by(col(TriggerFire.trigger), col(TriggerFire.period))
    )
    if options.get("trigger"):
        query = query.where(TriggerFire.trigger == options["trigger"])
    if options.get("since"):
        since = _day(options["since"], "since", dt.date.min)
        query = query.where(col(TriggerFire.fired_on) >= since)
    rows = [
        {
            "trigger": trigger,
            "period": period,
            "campaign_id": campaign_id,
            "customers": int(count),
            "first_fired": str(first),
            "last_fired": str(last),
        }
        for trigger, period, campaign_id, count, first, last in uow.session.exec(query)
    ]
    return {"report": "marketing.trigger_fires", "rows": rows}
