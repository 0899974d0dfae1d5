"""Settings of the return visits (``[service.visits]``) area: the care plans.

A care plan names the interaction kind that starts it (``trigger``), optional conditions
on that interaction's payload (``when``), the days after the trigger each visit is due
(``offsets``), how the visit is made (``channel``), who makes it (``assign``), whether it
is a paid service (有偿) or free (免费), and the script the caller follows.

Whether the trigger kind is registered and the channel known is checked against the
running application (:func:`guanxi_service.visits.plans.plan_problems`): the settings
model cannot see other plugins' registrations.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
PLAN_NAME = re.compile(r"^[\w-]{1,80}$")
MAX_STEPS = 24

Assign = Literal["actor", "owner", "team", "user"]
Scalar = str | int | bool


class CarePlan(BaseModel):
    """One care plan: a trigger kind and the return visits it schedules."""

    model_config = ConfigDict(extra="forbid")
    trigger: str = Field(description="interaction kind that starts the plan")
    when: dict[str, list[Scalar]] = Field(
        default_factory=dict,
        description="payload conditions: field → accepted values (all must match)",
    )
    offsets: list[int] = Field(description="days after the trigger each visit is due")
    title: str = Field(default="回访", max_length=200)
    channel: str = Field(default="phone", description="how the visit is made")
    assign: Assign = Field(
        default="actor",
        description="who makes it: the trigger's actor, the customer's owner, a team "
                    "(round-robin) or a named user; falls back to the customer's owner",
    )
    team: str | None = Field(default=None, description="the team, with assign = 'team'")
    user: str | None = Field(default=None, description="the username, with assign = 'user'")
    paid: bool = Field(default=False, description="a paid service (有偿) or free (免费)")
    fee: Decimal = Field(default=Decimal("0"), ge=0, le=Decimal("1e9"), decimal_places=2)
    script: str = Field(default="", description="what the caller says first")
    questions: list[str] = Field(default_factory=list, description="what the caller asks")
    max_attempts: int = Field(default=3, ge=1, le=10,
                              description="tries before a not-reached visit is closed")
    retry_after_days: int = Field(default=1, ge=0, le=30,
                                  description="a not-reached visit is due again after")
    stop_on_decline: bool = Field(default=True,
                                  description="a declined visit cancels the later steps")
    complaint_on_issue: bool = Field(default=True,
                                     description="an issue found opens a complaint ticket")

    @field_validator("trigger")
    @classmethod
    def _kind(cls, value: str) -> str:
        if not KIND_PATTERN.match(value):
            raise ValueError(f"{value!r} is not an interaction kind (family.name)")
        return value

    @field_validator("offsets")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("at least one offset (days after the trigger) is needed")
        if len(value) > MAX_STEPS:
            raise ValueError(f"at most {MAX_STEPS} steps")
        if any(d < 0 or d > 3650 for d in value):
            raise ValueError("offsets are days from 0 to 3650")
        if any(b <= a for a, b in pairwise(value)):
            raise ValueError(f"offsets must increase: {value}")
        return value

    @field_validator("when", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        # ``when = {type = "complaint"}`` is a one-value list.
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _assignee(self) -> CarePlan:
        if self.assign == "team" and not self.team:
            raise ValueError("assign = 'team' needs team = '<team name>'")
        if self.assign == "user" and not self.user:
            raise ValueError("assign = 'user' needs user = '<username>'")
        if self.fee and not self.paid:
            raise ValueError("a fee is only for a paid plan (paid = true)")
        return self


def _default_plans() -> dict[str, CarePlan]:
    return {
        "ticket_closed": CarePlan(
            trigger="service.ticket_closed", offsets=[3], title="服务回访（工单关闭后）",
            channel="phone", assign="actor",
            script="您好，这里是售后服务中心，就您最近的服务请求做个回访。",
            questions=["问题是否已经解决？", "对处理速度是否满意？",
                       "对服务人员的态度打几分（1–5）？"],
        ),
        "asset_handed_over": CarePlan(
            trigger="service.asset_handed_over", offsets=[7, 30, 180],
            title="交付回访（设备交付后）", channel="phone", assign="owner",
            script="您好，这里是售后服务中心，想了解一下设备的使用情况。",
            questions=["设备运行是否正常？", "操作培训是否清楚？", "还有什么需要我们帮助的？"],
        ),
    }


class VisitSettings(BaseModel):
    """What an edition may configure in the visits area.

    Setting ``plans`` replaces the generic plans as a whole (settings layers replace a
    section's values, they do not merge them).
    """

    model_config = ConfigDict(extra="forbid")
    plans: dict[str, CarePlan] = Field(
        default_factory=_default_plans, description="care plans by name")
    grace_days: int = Field(
        default=2, ge=0, le=60,
        description="an open visit is overdue this many days after its due date")
    overdue_task_priority: Literal["low", "normal", "high", "urgent"] = "high"
    complaint_priority: Literal["low", "normal", "high", "urgent"] = "high"

    @field_validator("plans")
    @classmethod
    def _names(cls, value: dict[str, CarePlan]) -> dict[str, CarePlan]:
        for name in value:
            if not PLAN_NAME.match(name):
                raise ValueError(f"plan name {name!r}: letters, digits, _ and - only")
        return value
