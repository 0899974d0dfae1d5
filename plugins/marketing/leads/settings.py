"""Settings of the leads area (``[marketing.leads]``): sources, scoring, assignment, forms.

An edition overrides any of these, e.g. a hospital scores ``interest contains "体检"``
higher, or routes leads from trade shows to its events team:

.. code-block:: toml

    [marketing.leads]
    half_life_days = 14
    [marketing.leads.assignment]
    rule = "round_robin"
    team = "市场部"
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LEAD_FIELDS = (
    "name", "company", "email", "phone", "source", "campaign_id", "interest",
    "estimated_value", "notes",
)


class FitRule(BaseModel):
    """Points for what the lead *is*: a condition on one of its fields.

    ``op``: ``present`` (the field is filled), ``equals``, ``in`` (one of ``value``),
    ``contains`` (case-insensitive substring, any of ``value`` when a list), ``gte`` /
    ``lte`` (numbers, e.g. the estimated value).
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    field: Literal[
        "name", "company", "email", "phone", "source", "campaign_id", "interest",
        "estimated_value", "notes",
    ]
    op: Literal["present", "equals", "in", "contains", "gte", "lte"] = "present"
    value: str | float | list[str] | None = None
    points: int

    @model_validator(mode="after")
    def _value_fits_op(self) -> FitRule:
        if self.op != "present" and self.value is None:
            raise ValueError(f"rule {self.name!r}: op {self.op!r} needs a value")
        if self.op in ("gte", "lte") and not isinstance(self.value, int | float):
            raise ValueError(f"rule {self.name!r}: op {self.op!r} needs a number")
        return self


class EngagementRule(BaseModel):
    """Points for what the lead *did*: each event of ``kind`` in its history.

    The history is the lead's own touches plus the interaction log of its customer
    (converted or matched). ``kind`` is an interaction kind (``marketing.email_opened``)
    or a prefix ending in ``*`` (``sales.*``). Each event's points halve every
    ``half_life_days`` of its age; ``cap`` bounds the rule's total.
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    kind: str = Field(min_length=1, max_length=80)
    points: float
    cap: float | None = Field(default=None, gt=0)


class AssignmentSettings(BaseModel):
    """Who owns a new lead when nobody names an owner.

    ``round_robin``: the active members of ``team`` in turn; ``source``: the staff user
    ``by_source`` names for the lead's source (else ``default_owner``); ``none``: the
    capturing staff user, else ``default_owner``, else nobody (a manager assigns it).
    """

    model_config = ConfigDict(extra="forbid")
    rule: Literal["none", "round_robin", "source"] = "none"
    team: str | None = None
    by_source: dict[str, str] = Field(default_factory=dict)
    default_owner: str | None = None

    @model_validator(mode="after")
    def _team_for_round_robin(self) -> AssignmentSettings:
        if self.rule == "round_robin" and not self.team:
            raise ValueError("assignment.rule round_robin needs assignment.team")
        return self


def _default_fit_rules() -> list[FitRule]:
    return [
        FitRule(name="company given", field="company", points=10),
        FitRule(name="reachable by phone", field="phone", points=5),
        FitRule(name="reachable by email", field="email", points=5),
        FitRule(name="warm source", field="source", op="in",
                value=["referral", "event", "form"], points=10),
        FitRule(name="large deal", field="estimated_value", op="gte", value=100000, points=15),
    ]


def _default_engagement_rules() -> list[EngagementRule]:
    return [
        EngagementRule(name="captured", kind="marketing.lead_captured", points=5, cap=15),
        EngagementRule(name="email opened", kind="marketing.email_opened", points=5, cap=20),
        EngagementRule(name="email clicked", kind="marketing.email_clicked", points=10, cap=30),
        EngagementRule(name="event attended", kind="marketing.event_attended", points=15,
                       cap=30),
        EngagementRule(name="campaign response", kind="marketing.campaign_responded",
                       points=10, cap=20),
    ]


def _default_form_fields() -> dict[str, str]:
    # Common names on web forms, English and Chinese, for the lead's fields.
    return {
        "name": "name", "full_name": "name", "姓名": "name",
        "company": "company", "organisation": "company", "organization": "company",
        "公司": "company", "email": "email", "邮箱": "email", "phone": "phone",
        "mobile": "phone", "tel": "phone", "手机": "phone", "电话": "phone",
        "interest": "interest", "product": "interest", "意向": "interest",
        "message": "notes", "comments": "notes", "留言": "notes", "备注": "notes",
        "budget": "estimated_value", "campaign_id": "campaign_id",
    }


class LeadSettings(BaseModel):
    """How the leads area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(
        default_factory=lambda: [
            "csv", "cli", "form", "event", "campaign", "referral", "web", "phone", "social",
        ],
        description="Channels a lead may come from",
    )
    fit_rules: list[FitRule] = Field(default_factory=_default_fit_rules)
    engagement_rules: list[EngagementRule] = Field(default_factory=_default_engagement_rules)
    half_life_days: float = Field(30, gt=0, description="Engagement points halve this often")
    lookback_days: int = Field(365, gt=0, description="Engagement older than this counts 0")
    grades: dict[str, int] = Field(
        default_factory=lambda: {"A": 60, "B": 40, "C": 20, "D": 0},
        description="Grade → lowest score of that grade (the highest threshold met wins)",
    )
    disqualify_reasons: list[str] = Field(
        default_factory=lambda: [
            "no budget", "no need", "unreachable", "competitor", "duplicate", "spam", "other",
        ],
    )
    assigners: list[str] = Field(
        default_factory=lambda: ["admin", "manager"],
        description="Staff roles that may assign and reassign leads (no grabbing)",
    )
    assignment: AssignmentSettings = Field(default_factory=AssignmentSettings)
    form_fields: dict[str, str] = Field(
        default_factory=_default_form_fields,
        description="Posted form field → lead field (unmapped fields go to the notes)",
    )
    form_source: str = Field("form", description="Source of leads captured from a form")
    customer_role: str = Field("customer", description="Role of a customer made from a lead")

    @model_validator(mode="after")
    def _consistent(self) -> LeadSettings:
        for target in self.form_fields.values():
            if target not in LEAD_FIELDS:
                raise ValueError(f"form_fields: {target!r} is not a lead field")
        if self.form_source not in self.sources:
            raise ValueError(f"form_source {self.form_source!r} is not one of sources")
        return self
