"""The campaigns area's reports (``guanxi report run marketing.…``): the same figures as
``guanxi marketing campaigns roi|attribution|study``, as plain JSON-ready dicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi_marketing.campaigns.roi import attribution, campaign_roi
from guanxi_marketing.campaigns.study import campaign_study


def roi_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.campaign_roi``: options campaign, model, start, end, window,
    status, type."""
    rows = campaign_roi(uow, **options)
    model = rows[0].model if rows else options.get("model")
    return {"report": "marketing.campaign_roi", "model": model, "rows": to_jsonable(rows)}


def attribution_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.attribution``: options start, end, window."""
    result = attribution(uow, **options)
    return {"report": "marketing.attribution", **to_jsonable(result)}


def study_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.campaign_study``: options by, campaign."""
    rows = campaign_study(uow, **options)
    return {"report": "marketing.campaign_study", "by": options.get("by", "campaign"),
            "rows": to_jsonable(rows)}


def register_reports(register: Callable[..., None]) -> None:
    """ROI, attribution and the success/failure study."""
    register("marketing.campaign_roi", roi_report,
             description="campaign response/conversion rates, cost per result and ROI")
    register("marketing.attribution", attribution_report,
             description="revenue attributed to campaigns: first-touch, last-touch, linear")
    register("marketing.campaign_study", study_report,
             description="campaign success/failure: converted vs not, by campaign/type/segment")
