"""The sales plugin's settings (section ``[sales]``): pipelines, reasons, rules."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StageSpec(BaseModel):
    """A pipeline stage with its default win probability (percent)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    probability: int = Field(ge=0, le=100)
    won: bool = False
    lost: bool = False


class PipelineSpec(BaseModel):
    """A pipeline: ordered stages, exactly one won stage and one lost stage."""

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    stages: list[StageSpec]

    @model_validator(mode="after")
    def _one_won_one_lost(self) -> PipelineSpec:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError("stage names must be unique")
        if sum(s.won for s in self.stages) != 1 or sum(s.lost for s in self.stages) != 1:
            raise ValueError("a pipeline needs exactly one won stage and one lost stage")
        if any(s.won and s.lost for s in self.stages):
            raise ValueError("a stage cannot be both won and lost")
        return self

    def stage(self, name: str) -> StageSpec | None:
        """The stage called ``name``, if the pipeline has one."""
        return next((s for s in self.stages if s.name == name), None)

    @property
    def open_stages(self) -> list[StageSpec]:
        """The stages an opportunity can be in while it is open, in order."""
        return [s for s in self.stages if not s.won and not s.lost]


class CommissionRule(BaseModel):
    """A commission rate that applies to won business matching every condition given.

    ``min_attainment``/``max_attainment`` are fractions of the salesperson's target for
    the period (1.0 = target met). The most specific matching rule wins (most
    conditions), then the highest rate.
    """

    model_config = ConfigDict(extra="forbid")
    description: str = ""
    rate: Decimal = Field(ge=0, le=1)
    product: str | None = Field(None, description="product SKU")
    pipeline: str | None = None
    min_attainment: Decimal | None = None
    max_attainment: Decimal | None = None


DEFAULT_PIPELINE = PipelineSpec(
    description="a general B2B sales pipeline",
    stages=[
        StageSpec(name="qualification", probability=10),
        StageSpec(name="needs_analysis", probability=25),
        StageSpec(name="proposal", probability=50),
        StageSpec(name="negotiation", probability=75),
        StageSpec(name="won", probability=100, won=True),
        StageSpec(name="lost", probability=0, lost=True),
    ],
)


class SalesSettings(BaseModel):
    """Settings section ``[sales]``."""

    pipelines: dict[str, PipelineSpec] = Field(
        default_factory=lambda: {"default": DEFAULT_PIPELINE}, description="Pipelines by name"
    )
    default_pipeline: str = Field("default", description="Pipeline of a new opportunity")
    lost_reasons: list[str] = Field(
        default_factory=lambda: [
            "price",
            "product fit",
            "competitor",
            "timing",
            "no budget",
            "no decision",
            "other",
        ],
        description="Reasons an opportunity may be lost for (one is required)",
    )
    quote_validity_days: int = Field(30, ge=1, description="Default validity of a quote")
    quote_number_prefix: str = Field("Q", description="Quote numbers are PREFIX-YYYY-NNNN")
    default_tax_rate: Decimal = Field(
        Decimal("0.13"), ge=0, le=1, description="VAT of new products"
    )
    commission_rules: list[CommissionRule] = Field(
        default_factory=lambda: [CommissionRule(description="base rate", rate=Decimal("0.03"))],
        description="Commission rules",
    )
    core_contact_period_days: int = Field(
        30, ge=1, description="Default contact period of a core customer (核心客户)"
    )
    expense_categories: list[str] = Field(
        default_factory=lambda: ["travel", "meals", "entertainment", "gifts", "telephone", "other"],
        description="Expense categories (开支报销)",
    )

    @model_validator(mode="after")
    def _default_exists(self) -> SalesSettings:
        if self.default_pipeline not in self.pipelines:
            raise ValueError(f"default_pipeline {self.default_pipeline!r} is not a pipeline")
        return self
