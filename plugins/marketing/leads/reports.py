"""Lead reports: the funnel by source and status, conversion rates by source and campaign.

Counted in SQL over ORM queries, so the record policies apply: a person's report covers
the leads he may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.leads.common import ENTITY
from guanxi_marketing.leads.models import LEAD_STATUSES, Lead


@dataclass(frozen=True)
class FunnelRow:
    """How many leads of one source are in each status."""

    source: str
    total: int
    new: int
    working: int
    qualified: int
    disqualified: int
    converted: int


def lead_funnel(uow: UnitOfWork) -> list[FunnelRow]:
    """Leads by source and status, sources by volume (then name)."""
    require(uow, ENTITY, "read")
    query = select(Lead.source, Lead.status, func.count()).group_by(Lead.source, Lead.status)
    counts: dict[str, dict[str, int]] = {}
    for source, status, count in uow.session.exec(query):
        counts.setdefault(source, dict.fromkeys(LEAD_STATUSES, 0))[status] = count
    rows = [FunnelRow(source, sum(c.values()), **c) for source, c in counts.items()]
    return sorted(rows, key=lambda r: (-r.total, r.source))


@dataclass(frozen=True)
class ConversionRow:
    """Conversion of one source or campaign: leads, converted, rate and converted value."""

    key: str
    leads: int
    converted: int
    disqualified: int
    rate: float  # converted / leads, 0-1
    converted_value: Decimal


def conversion_rates(uow: UnitOfWork, *, by: str = "source") -> list[ConversionRow]:
    """Conversion rate by ``source`` or ``campaign`` (leads without a campaign: "-")."""
    require(uow, ENTITY, "read")
    if by not in ("source", "campaign"):
        raise ValidationError("by", "must be source or campaign")
    key = Lead.source if by == "source" else Lead.campaign_id
    converted = Lead.status == "converted"
    query = select(
        key, func.count(), func.sum(case((converted, 1), else_=0)),
        func.sum(case((Lead.status == "disqualified", 1), else_=0)),
        func.sum(case((converted, Lead.estimated_value), else_=0)),
    ).group_by(key)
    names: dict[int, str] = {}
    if by == "campaign":
        names = dict(uow.session.exec(select(Campaign.id, Campaign.name)).all())
    rows = []
    for value, leads, won, lost, amount in uow.session.exec(query):
        label = value if by == "source" else _campaign_label(value, names)
        # The sum keeps the Money type of the column, so it comes back as a Decimal.
        worth = Decimal(amount or 0).quantize(Decimal("0.01"))
        rows.append(ConversionRow(label, leads, int(won or 0), int(lost or 0),
                                  round(int(won or 0) / leads, 4) if leads else 0.0, worth))
    return sorted(rows, key=lambda r: (-r.leads, r.key))


def _campaign_label(campaign_id: int | None, names: dict[int, str]) -> str:
    if campaign_id is None:
        return "-"
    return f"{campaign_id} {names.get(campaign_id, '')}".strip()


def _plain(row: Any) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(row).items()}


def funnel_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.lead_funnel``: leads by source and status."""
    if options:
        raise ValidationError(next(iter(options)), "unknown option")
    return {"report": "marketing.lead_funnel", "rows": [_plain(r) for r in lead_funnel(uow)]}


def conversion_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.lead_conversion``: option by (source or campaign)."""
    rows = conversion_rates(uow, **options)
    return {"report": "marketing.lead_conversion", "by": options.get("by", "source"),
            "rows": [_plain(r) for r in rows]}


def register_reports(register: Callable[..., None]) -> None:
    """The lead reports ``guanxi report run`` knows."""
    register("marketing.lead_funnel", funnel_report,
             description="leads by source and status (new, working, qualified, …)")
    register("marketing.lead_conversion", conversion_report,
             description="lead conversion rate by source or campaign")
