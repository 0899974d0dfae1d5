"""The analytics plugin's settings (section ``[analytics]``), one sub-table per area.

The top level says which logged interactions count as what, since analytics reads the
log of whatever plugins are enabled: an edition whose purchases are logged under its own
kind (``bank.card_spend``) adds it to ``purchase_kinds``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from guanxi.app import UnitOfWork
from guanxi_analytics.churn.settings import ChurnSettings
from guanxi_analytics.clv.settings import ClvSettings
from guanxi_analytics.delivered.settings import DeliveredSettings
from guanxi_analytics.kpis.settings import KpisSettings
from guanxi_analytics.loyalty.settings import LoyaltySettings
from guanxi_analytics.pipeline.settings import PipelineSettings
from guanxi_analytics.report.settings import ReportSettings
from guanxi_analytics.scorecard.settings import ScorecardSettings
from guanxi_analytics.value.settings import ValueSettings

# The core's purchase and the sales plugin's won order; kinds of plugins that are not
# enabled simply match nothing.
DEFAULT_PURCHASE_KINDS = ["core.purchase", "sales.order"]


class AnalyticsSettings(BaseModel):
    """Everything configurable in the analytics plugin."""

    model_config = ConfigDict(extra="forbid")
    purchase_kinds: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PURCHASE_KINDS),
        description="interaction kinds that are purchases (transactions for RFM, CLV, cohorts)",
    )
    value: ValueSettings = Field(default_factory=ValueSettings)
    clv: ClvSettings = Field(default_factory=ClvSettings)
    churn: ChurnSettings = Field(default_factory=ChurnSettings)
    delivered: DeliveredSettings = Field(default_factory=DeliveredSettings)
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    kpis: KpisSettings = Field(default_factory=KpisSettings)
    scorecard: ScorecardSettings = Field(default_factory=ScorecardSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)


def analytics_settings(uow: UnitOfWork) -> AnalyticsSettings:
    """The analytics settings of the unit of work's application."""
    settings: AnalyticsSettings = uow.app.settings_for("analytics")
    return settings
