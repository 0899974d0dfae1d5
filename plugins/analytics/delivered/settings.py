"""Settings of the delivered area (``[analytics.delivered]``).

Customer delivered value (顾客让渡价值, Kotler) is total customer value minus total
customer cost [S004:383, S004:545]. Each side is a list of named *components*; each
component says where its per-customer figure comes from (its :class:`Component`
``source``). The defaults are a generic shop's; an edition replaces them, e.g. a bank::

    [analytics.delivered.value.product]
    source = "revenue"            # what the customer bought, at the price paid
    kinds = ["bank.card_spend", "core.purchase"]
    [analytics.delivered.value.service]
    source = "survey"             # mean CSAT (1–5) × 40 yuan per point
    kinds = ["service.survey_answered"]
    field = "csat"
    factor = 40
    [analytics.delivered.value.personnel]
    source = "assessment"         # the relationship manager's assessment
    [analytics.delivered.value.image]
    source = "derived"            # "the combined result of the other three" [S004:1015–1021]
    of = ["product", "service", "personnel"]
    factor = 0.1

and a hospital adds travel and queueing cost, with the insurance offset negative::

    [analytics.delivered.cost.travel]
    source = "field"
    field = "travel_cost"
    [analytics.delivered.cost.waiting]
    source = "count"              # every registration costs 30 yuan of waiting time
    kinds = ["hospital.registered"]
    factor = 30
    [analytics.delivered.cost.insurance]
    source = "field"
    field = "insurance_cover"
    factor = -1
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Source = Literal["revenue", "cost", "count", "field", "survey", "assessment", "derived"]
SOURCES: tuple[str, ...] = ("revenue", "cost", "count", "field", "survey", "assessment",
                            "derived")


class Component(BaseModel):
    """Where one component's per-customer figure comes from (in money, over the period).

    - ``revenue`` / ``cost``: the sum of the revenue / cost of the ``kinds`` logged in the
      period, × ``factor`` (no ``kinds``: the plugin's ``purchase_kinds``);
    - ``count``: how many interactions of the ``kinds`` in the period, × ``factor`` (a
      unit value: "each ticket costs the customer 20 yuan of time");
    - ``field``: the customer's numeric custom field ``field``, × ``factor``;
    - ``survey``: the mean of the numeric payload field ``field`` of the ``kinds`` in the
      period (a survey score), × ``factor``;
    - ``assessment``: the customer's latest manual assessment of this component
      (``guanxi analytics delivered assess``) made by the end of the period, × ``factor``;
    - ``derived``: ``factor`` × the sum of the components named in ``of`` (same side,
      listed before it), for image value as the result of the other three.

    A customer without data for a component counts 0 for it.
    """

    model_config = ConfigDict(extra="forbid")
    source: Source
    kinds: list[str] = Field(default_factory=list)
    field: str | None = None
    factor: float = 1.0
    of: list[str] = Field(default_factory=list)
    label: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Component:
        if self.source in ("field", "survey") and not self.field:
            raise ValueError(f"a {self.source!r} component needs 'field'")
        if self.source in ("count", "survey") and not self.kinds:
            raise ValueError(f"a {self.source!r} component needs 'kinds'")
        if self.source == "derived" and not self.of:
            raise ValueError("a 'derived' component needs 'of' (the components it sums)")
        return self


def _default_value() -> dict[str, Component]:
    return {
        # The product is worth at least what the customer paid for it (revealed value).
        "product": Component(source="revenue", label="product value (产品价值)"),
        "service": Component(source="assessment", label="service value (服务价值)"),
        "personnel": Component(source="assessment", label="personnel value (人员价值)"),
        "image": Component(source="assessment", label="image value (形象价值)"),
    }


def _default_cost() -> dict[str, Component]:
    return {
        "price": Component(source="revenue", label="monetary cost (货币成本)"),
        # Every ticket the customer had to open cost them time; 20 yuan each by default.
        "time": Component(source="count", kinds=["service.ticket_opened"], factor=20.0,
                          label="time cost (时间成本)"),
        "energy": Component(source="assessment", label="energy cost (精力成本)"),
    }


class DeliveredSettings(BaseModel):
    """How the delivered area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    value: dict[str, Component] = Field(
        default_factory=_default_value,
        description="total customer value components (product, service, personnel, image)",
    )
    cost: dict[str, Component] = Field(
        default_factory=_default_cost,
        description="total customer cost components (price, time, energy, …)",
    )
    expected: Component | None = Field(
        default=None,
        description="the customer's expected value; when set, satisfied ⇔ perceived "
                    "(total value) > expected [S004:383]",
    )
    group_by: str = Field(
        default="tier",
        description="default segment: tier, rfm_segment, abc, member_class, tag or "
                    "field:<custom field>",
    )

    @model_validator(mode="after")
    def _derived_refer_back(self) -> DeliveredSettings:
        for side, components in (("value", self.value), ("cost", self.cost)):
            seen: list[str] = []
            for name, component in components.items():
                missing = [o for o in component.of if o not in seen]
                if missing:
                    raise ValueError(f"{side}.{name}: 'of' names {', '.join(missing)}, "
                                     f"not a {side} component listed before it")
                seen.append(name)
        if self.expected is not None and self.expected.source == "derived":
            raise ValueError("expected: cannot be 'derived'")
        return self
