"""Settings of the scorecard area (``[analytics.scorecard]``).

An edition configures its balanced scorecard here: per perspective a list of entries
(a KPI, its target, the amber threshold, a weight and a label), the value discipline it
follows (REQUIREMENTS §5.8) and, for the 7P views (§5.7), which KPIs each P shows.

The default scorecard names the KPIs the analytics areas provide. Its entries are
``optional``: an entry whose KPI no area provides is left out, so the default works
whichever areas an installation has. An entry an edition writes is required unless it
says ``optional = true``: an unknown KPI key is then a configuration error at start-up.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Discipline = Literal["product_leadership", "customer_intimacy", "operational_excellence"]
Process = Literal["selection", "acquisition", "retention", "development"]
PERSPECTIVES = ("learning", "process", "customer", "financial")  # the cause-and-effect order
SEVEN_P = ("profiling", "persistency", "profitability", "performance", "prospecting",
           "product", "promotion")


class ScorecardEntry(BaseModel):
    """One line of the scorecard: a KPI and what counts as good.

    With ``higher_is_better`` (the KPI says), a value at or above ``target`` is green, at
    or above ``warn`` amber, below it red (the other way round when lower is better).
    Without ``warn`` anything short of the target is red; without ``target`` the line
    has no status (shown for information).
    """

    model_config = ConfigDict(extra="forbid")
    kpi: str = Field(min_length=3, description="the KPI key, '<area>.<name>'")
    target: float | None = None
    warn: float | None = Field(default=None, description="the amber threshold")
    weight: float = Field(default=1.0, gt=0, description="weight in the perspective score")
    label: str | None = Field(default=None, description="shown instead of the KPI's label")
    process: Process | None = Field(
        default=None, description="process perspective: which key process it measures")
    subprocess: str | None = Field(
        default=None, description="process perspective: the sub-process [S003:38–45]")
    optional: bool = Field(
        default=False, description="leave the line out when no area provides the KPI")


def _entries(*rows: dict[str, Any]) -> list[ScorecardEntry]:
    return [ScorecardEntry(optional=True, **row) for row in rows]


def default_financial() -> list[ScorecardEntry]:
    """Growth (revenue, its growth) and productivity (margin per customer) [S003:2–14]."""
    return _entries(
        {"kpi": "scorecard.revenue", "label": "营业收入 revenue"},
        {"kpi": "scorecard.revenue_growth", "target": 0.05, "warn": 0.0,
         "label": "收入增长 revenue growth"},
        {"kpi": "scorecard.average_order_value", "label": "客单价 average order value"},
        {"kpi": "value.margin_per_customer", "label": "单客利润 margin per customer"},
    )


def default_customer() -> list[ScorecardEntry]:
    """Retention, acquisition, loyalty and satisfaction [S003:15–34; S004:629]."""
    return _entries(
        {"kpi": "churn.retention_rate", "target": 0.8, "warn": 0.7,
         "label": "客户保持率 retention rate"},
        {"kpi": "scorecard.new_customers", "label": "新客户 new customers"},
        {"kpi": "loyalty.repeat_rate", "target": 0.4, "warn": 0.3,
         "label": "重复购买率 repeat rate"},
        {"kpi": "loyalty.nps", "target": 30, "warn": 0, "label": "净推荐值 NPS"},
        {"kpi": "loyalty.csat", "target": 0.85, "warn": 0.75, "label": "满意客户占比 CSAT"},
        {"kpi": "delivered.mean_cdv", "label": "顾客让渡价值 delivered value"},
    )


def default_process() -> list[ScorecardEntry]:
    """One or more KPIs for each of the four key processes [S003:35–55]."""
    return _entries(
        {"kpi": "value.high_value_share", "process": "selection",
         "subprocess": "profitability_analysis", "label": "高价值客户占比 high-value share"},
        {"kpi": "scorecard.new_leads", "process": "acquisition",
         "subprocess": "lead_management", "label": "新线索 new leads"},
        {"kpi": "pipeline.win_rate", "target": 0.3, "warn": 0.2, "process": "acquisition",
         "subprocess": "lead_management", "label": "赢单率 win rate"},
        {"kpi": "pipeline.cycle_days", "target": 30, "warn": 45, "process": "acquisition",
         "subprocess": "lead_management", "label": "销售周期 sales cycle (days)"},
        {"kpi": "kpis.sla_compliance", "target": 0.9, "warn": 0.8, "process": "retention",
         "subprocess": "request_handling", "label": "SLA 达成率 SLA compliance"},
        {"kpi": "kpis.repair_on_time", "target": 0.9, "warn": 0.8, "process": "retention",
         "subprocess": "order_management", "label": "按时交车率 on-time repair"},
        {"kpi": "kpis.complaint_resolution", "target": 0.9, "warn": 0.8,
         "process": "retention", "subprocess": "request_handling",
         "label": "投诉解决率 complaint resolution"},
        {"kpi": "kpis.first_contact_resolution", "target": 0.7, "warn": 0.6,
         "process": "retention", "subprocess": "request_handling",
         "label": "一次解决率 first-contact resolution"},
        {"kpi": "loyalty.referrals", "process": "development",
         "subprocess": "customer_network", "label": "推荐 referrals"},
        {"kpi": "kpis.campaign_roi", "target": 1.0, "warn": 0.0, "process": "development",
         "subprocess": "campaign_management", "label": "营销活动回报 campaign ROI"},
    )


def default_learning() -> list[ScorecardEntry]:
    """Customer knowledge: reachable customers and customers in touch [S003:56–66]."""
    return _entries(
        {"kpi": "scorecard.contactable_share", "target": 0.9, "warn": 0.75,
         "label": "可联系客户占比 contactable customers"},
        {"kpi": "scorecard.touched_share", "target": 0.5, "warn": 0.3,
         "label": "接触覆盖率 customers in touch"},
    )


def default_seven_p() -> dict[str, list[ScorecardEntry]]:
    """The KPIs each P shows beside the profiling and product group-bys (§5.7)."""
    return {
        "profiling": _entries({"kpi": "scorecard.active_customers"}),
        "persistency": _entries({"kpi": "churn.retention_rate"},
                                {"kpi": "loyalty.repeat_rate"}, {"kpi": "clv.share_alive"}),
        "profitability": _entries({"kpi": "value.margin_per_customer"},
                                  {"kpi": "value.top20_revenue_share"}),
        "performance": _entries({"kpi": "pipeline.win_rate"}, {"kpi": "kpis.repair_on_time"},
                                {"kpi": "kpis.sla_compliance"}),
        "prospecting": _entries({"kpi": "scorecard.new_leads"},
                                {"kpi": "scorecard.new_customers"}, {"kpi": "clv.mean_clv"}),
        "product": _entries({"kpi": "scorecard.revenue"},
                            {"kpi": "scorecard.average_order_value"}),
        "promotion": _entries({"kpi": "kpis.campaign_roi"}),
    }


class ScorecardSettings(BaseModel):
    """The balanced scorecard and 7P views of the edition (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    discipline: Discipline = Field(
        default="customer_intimacy",
        description="the value discipline (§5.8); picks the key processes shown")
    financial: list[ScorecardEntry] = Field(default_factory=default_financial)
    customer: list[ScorecardEntry] = Field(default_factory=default_customer)
    process: list[ScorecardEntry] = Field(default_factory=default_process)
    learning: list[ScorecardEntry] = Field(default_factory=default_learning)
    seven_p: dict[str, list[ScorecardEntry]] = Field(default_factory=default_seven_p)
    profile_fields: list[str] | None = Field(
        default=None,
        description="custom fields of the customer record the profiling view groups by "
                    "(region, province …); default: every custom field of the edition")
    lead_kinds: list[str] = Field(
        default_factory=lambda: ["marketing.lead_captured"],
        description="interaction kinds that are a captured lead (scorecard.new_leads)")
    history_months: int = Field(default=12, ge=1, le=120,
                                description="months `scorecard history` shows by default")

    @model_validator(mode="after")
    def _entries_fit(self) -> ScorecardSettings:
        from guanxi_analytics.scorecard.processes import SUBPROCESSES

        for name in SEVEN_P:
            self.seven_p.setdefault(name, [])
        unknown = sorted(set(self.seven_p) - set(SEVEN_P))
        if unknown:
            raise ValueError(f"seven_p: unknown P {unknown[0]!r} (one of {', '.join(SEVEN_P)})")
        for perspective in PERSPECTIVES:
            for index, entry in enumerate(getattr(self, perspective)):
                where = f"{perspective}[{index}]"
                if perspective == "process" and entry.process is None:
                    raise ValueError(f"{where}: a process entry names its process "
                                     "(selection, acquisition, retention or development)")
                if perspective != "process" and (entry.process or entry.subprocess):
                    raise ValueError(f"{where}: only process entries name a process")
                if entry.subprocess is not None and entry.process is not None:
                    known = SUBPROCESSES[entry.process]
                    if entry.subprocess not in known:
                        raise ValueError(
                            f"{where}.subprocess: {entry.subprocess!r} is not a sub-process "
                            f"of {entry.process} (one of {', '.join(known)})")
        return self
