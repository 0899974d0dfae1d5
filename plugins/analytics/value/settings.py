"""Settings of the value area (``[analytics.value]``).

Cost-to-serve is the cost logged on interactions plus *unit costs*: what an interaction
of a kind (or through a channel) costs even when nobody logged a cost for it (a ticket
handled, a sales visit made). The tier, quadrant and member cut-offs default to
percentiles and medians of the data; absolute amounts can be set instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class UnitCost(BaseModel):
    """What one interaction matching ``kind`` and/or ``channel`` costs to serve."""

    model_config = ConfigDict(extra="forbid")
    kind: str | None = Field(default=None, description="interaction kind (any when omitted)")
    channel: str | None = Field(default=None, description="channel (any when omitted)")
    cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2,
                          description="cost of one such interaction, in the currency")

    @model_validator(mode="after")
    def _names_something(self) -> UnitCost:
        if self.kind is None and self.channel is None:
            raise ValueError("a unit cost names a kind, a channel or both")
        return self


# Defaults for what the bundled plugins log; kinds of plugins that are not enabled match
# nothing. The amounts are placeholders an edition replaces with its own costing.
DEFAULT_UNIT_COSTS = [
    UnitCost(kind="sales.activity", channel="visit", cost=Decimal("80.00")),
    UnitCost(kind="sales.activity", cost=Decimal("15.00")),
    UnitCost(kind="service.ticket_opened", cost=Decimal("25.00")),
    UnitCost(kind="service.repair_opened", cost=Decimal("120.00")),
    UnitCost(kind="service.return_visit", cost=Decimal("10.00")),
]


class ValueSettings(BaseModel):
    """How the value area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    unit_costs: list[UnitCost] = Field(
        default_factory=lambda: [cost.model_copy() for cost in DEFAULT_UNIT_COSTS],
        description="cost per interaction by kind and/or channel; the first match applies",
    )
    unit_cost_when: Literal["no_cost_logged", "always"] = Field(
        default="no_cost_logged",
        description="add the unit cost only to interactions without a logged cost, or always",
    )
    tier_basis: Literal["percentile", "absolute"] = Field(
        default="percentile",
        description="high/medium cut-offs: percentiles of the positive margins, or amounts",
    )
    high_percentile: float = Field(default=80, gt=0, lt=100,
                                   description="positive margin at or above it: high")
    medium_percentile: float = Field(default=50, gt=0, lt=100,
                                     description="positive margin at or above it: medium")
    high_margin: Decimal | None = Field(default=None, gt=0,
                                        description="absolute cut-off for high (basis absolute)")
    medium_margin: Decimal | None = Field(
        default=None, gt=0, description="absolute cut-off for medium (basis absolute)")
    abc_a_share: float = Field(default=0.80, gt=0, lt=1,
                               description="A: the customers making this share of revenue")
    abc_b_share: float = Field(default=0.95, gt=0, le=1,
                               description="B: up to this cumulative share (A + B)")
    top_share: float = Field(default=0.20, gt=0, lt=1,
                             description="the 'top customers' of the concentration report")
    quadrant_revenue_cut: Decimal | None = Field(
        default=None, ge=0, description="revenue above it is high (default: the median)")
    quadrant_cost_cut: Decimal | None = Field(
        default=None, ge=0, description="cost-to-serve above it is high (default: the median)")
    member_count_cut: float | None = Field(
        default=None, ge=0, description="purchase count above it is high (default: median)")
    member_spend_cut: Decimal | None = Field(
        default=None, ge=0, description="spend above it is high (default: the median)")

    @model_validator(mode="after")
    def _consistent(self) -> ValueSettings:
        if self.medium_percentile >= self.high_percentile:
            raise ValueError("medium_percentile must be below high_percentile")
        if self.abc_b_share <= self.abc_a_share:
            raise ValueError("abc_b_share must be above abc_a_share")
        if self.tier_basis == "absolute":
            if self.high_margin is None or self.medium_margin is None:
                raise ValueError("tier_basis 'absolute' needs high_margin and medium_margin")
            if self.medium_margin >= self.high_margin:
                raise ValueError("medium_margin must be below high_margin")
        return self
