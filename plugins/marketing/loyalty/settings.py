"""Settings of the loyalty area (``[marketing.loyalty]``): one membership programme.

The programme's tiers are listed lowest first; the first is the entry tier every new
member starts in. A tier is *reached* when the member's spend and/or purchase count in
the tier's period meets its thresholds, and *kept* while the (usually lower) keep
thresholds are met. The lapse rule eliminates members who stopped buying. An edition
overrides the whole programme, e.g. the hospital's "patients whose cumulative spend
reaches X get extra services" is a tier with ``period_months = 0`` (all time) and a
``services`` list (S004:625).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Threshold(BaseModel):
    """Spend and/or purchase count in a period; ``match`` says whether both must hold."""

    model_config = ConfigDict(extra="forbid")
    spend: Decimal | None = Field(default=None, ge=0)
    count: int | None = Field(default=None, ge=0)
    match: Literal["any", "all"] = "any"

    @property
    def empty(self) -> bool:
        """True when there is nothing to meet (every member meets it)."""
        return self.spend is None and self.count is None

    def met(self, spend: Decimal, count: int) -> bool:
        """Whether ``spend`` and ``count`` (in the period) meet the threshold."""
        checks = []
        if self.spend is not None:
            checks.append(spend >= self.spend)
        if self.count is not None:
            checks.append(count >= self.count)
        if not checks:
            return True
        return any(checks) if self.match == "any" else all(checks)


class TierSpec(BaseModel):
    """A membership tier: how it is reached and kept, and what it gives."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)
    label: str = ""  # shown to people: 金卡, VIP会员, …
    reach: Threshold = Field(default_factory=Threshold)
    # None: keep the tier while its reach threshold is met.
    keep: Threshold | None = None
    # The window the thresholds are measured over, ending now; 0 means all time
    # (cumulative spend, the hospital rule).
    period_months: int = Field(default=12, ge=0, le=120)
    discount_percent: Decimal = Field(default=Decimal("0"), ge=0, le=100)
    points_multiplier: Decimal = Field(default=Decimal("1"), ge=0, le=100)
    services: list[str] = Field(default_factory=list)  # extra services of the tier

    @property
    def keep_threshold(self) -> Threshold:
        """What a member of this tier must meet to stay in it."""
        return self.keep if self.keep is not None else self.reach


class LapseRule(BaseModel):
    """Elimination (淘汰): fewer than ``min_count`` purchases (or less than ``min_spend``)
    in the last ``months`` months ends an active membership. ``months = 0`` disables it.
    A member enrolled less than ``months`` ago never lapses."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(default=24, ge=0, le=240)
    min_count: int = Field(default=1, ge=0)
    min_spend: Decimal | None = Field(default=None, ge=0)


def _default_tiers() -> list[TierSpec]:
    return [
        TierSpec(name="bronze", label="铜卡会员"),
        TierSpec(
            name="silver",
            label="银卡会员",
            reach=Threshold(spend=Decimal("2000"), count=5),
            keep=Threshold(spend=Decimal("1500"), count=4),
            discount_percent=Decimal("5"),
            points_multiplier=Decimal("1.5"),
        ),
        TierSpec(
            name="gold",
            label="金卡会员",
            reach=Threshold(spend=Decimal("10000")),
            keep=Threshold(spend=Decimal("8000")),
            discount_percent=Decimal("10"),
            points_multiplier=Decimal("2"),
            services=["生日礼品", "专属客服", "免费送货"],
        ),
    ]


class LoyaltySettings(BaseModel):
    """How the loyalty area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    programme: str = "会员计划"
    tiers: list[TierSpec] = Field(default_factory=_default_tiers)
    lapse: LapseRule = Field(default_factory=LapseRule)
    # Points per unit of currency of revenue, by interaction kind. Only these kinds earn
    # points and count as purchases for the tier rules.
    earn_rates: dict[str, Decimal] = Field(
        default_factory=lambda: {"core.purchase": Decimal("1"), "sales.order": Decimal("1")}
    )
    point_value: Decimal = Field(default=Decimal("0.01"), ge=0)  # currency per point
    # Points expire this many months after they were earned, oldest first; 0: never.
    points_expire_months: int = Field(default=24, ge=0, le=240)
    # A downgrade waits until the member has held the tier this long.
    tier_hold_months: int = Field(default=0, ge=0, le=60)
    # Check for upgrades as soon as a purchase is logged (not only in the daily review).
    upgrade_on_purchase: bool = True
    # Give the customer's owner a task when a member is upgraded.
    upgrade_task: bool = True
    upgrade_task_days: int = Field(default=3, ge=0, le=60)
    member_number_prefix: str = Field(default="M", max_length=10)

    @model_validator(mode="after")
    def _tiers_are_a_programme(self) -> LoyaltySettings:
        names = [tier.name for tier in self.tiers]
        if not names:
            raise ValueError("tiers: a programme needs at least one tier")
        if len(set(names)) != len(names):
            raise ValueError("tiers: tier names must be unique")
        if not self.tiers[0].reach.empty:
            raise ValueError(f"tiers: the first tier ({names[0]}) is the entry tier and "
                             "cannot have reach thresholds")
        for kind, rate in self.earn_rates.items():
            if rate < 0:
                raise ValueError(f"earn_rates.{kind}: must not be negative")
        return self

    def tier(self, name: str) -> TierSpec | None:
        """The tier called ``name``, if the programme has one."""
        return next((t for t in self.tiers if t.name == name), None)

    def rank(self, name: str) -> int:
        """The tier's position, lowest 0; an unknown (retired) tier ranks lowest."""
        for index, tier in enumerate(self.tiers):
            if tier.name == name:
                return index
        return -1
