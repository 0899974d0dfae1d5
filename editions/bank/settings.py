"""Settings of the bank edition's plugin (``[bank]``; edition: ``[settings.bank]``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# The analytics plugin's member model (count × spend of the year's card and counter
# purchases) read as the bank's value clusters; see docs/editions/bank.md.
DEFAULT_CLUSTERS = {
    "confidant": "高价值",  # uses the bank often and spends much
    "barnacle": "成长",  # uses the bank often, spends little yet: grow the wallet
    "butterfly": "潜力",  # spends much, seldom: deepen the relationship
    "passer_by": "普通",
}


class CrossSellSettings(BaseModel):
    """Defaults of ``guanxi bank cross-sell`` (association rules over products held)."""

    model_config = ConfigDict(extra="forbid")
    min_support: float = Field(0.05, gt=0, le=1, description="rule support at least this")
    min_confidence: float = Field(0.4, gt=0, le=1, description="rule confidence at least this")
    min_lift: float = Field(1.2, ge=0, description="rule lift at least this")
    max_antecedent: int = Field(2, ge=1, le=3, description="products on a rule's left side")
    suggestions_per_customer: int = Field(3, ge=1, le=20, description="suggestions listed")


class BankSettings(BaseModel):
    """What the bank edition configures beyond the general plugins."""

    model_config = ConfigDict(extra="forbid")
    segment_field: str = Field(
        "customer_segment", description="custom field holding 农户 / 产业大户 / 小企业"
    )
    contact_period_days: dict[str, Annotated[int, Field(ge=1, le=3650)]] = Field(
        default_factory=lambda: {"农户": 90, "产业大户": 30, "小企业": 30},
        description="service standard: days an account manager may leave a customer of "
        "each segment without contact (synced to the sales plugin's core cadence)",
    )
    high_value_period_days: int = Field(
        15, ge=1, le=3650, description="contact period of a 高价值 customer, any segment"
    )
    value_clusters: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_CLUSTERS),
        description="analytics member class → value cluster label",
    )
    unclassified_cluster: str = Field(
        "普通", description="cluster of a customer with no purchase in the value period"
    )
    cross_sell: CrossSellSettings = Field(default_factory=CrossSellSettings)


def bank_settings(app: object) -> BankSettings:
    """The resolved ``[bank]`` settings of an application."""
    return app.settings_for("bank")  # type: ignore[attr-defined,no-any-return]
