"""Settings of the triggers area (``[marketing.triggers]``): the triggered campaigns,
the occasions they refer to, and the content policy for social posts.

An edition replaces the ``triggers`` list as a whole (``[[marketing.triggers.triggers]]``
tables); every trigger names its type and only the options of that type apply.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TRIGGER_TYPES = ("special_date", "repeat_purchase", "lapsed", "product_match")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The campaign type a message channel sends through (marketing_campaign.type).
CAMPAIGN_TYPE_BY_CHANNEL = {"email": "email", "sms": "sms", "letter": "direct_mail"}
# Lead times beyond a quarter would make the look-ahead window (and its IN list) long.
MAX_LEAD_DAYS = 92
BIRTHDAY = "birthday"


class OccasionSpec(BaseModel):
    """A yearly occasion: a fixed day, the nth weekday of a month, or a table of dates.

    Exactly one form: ``fixed = "05-20"``; ``month = 5, weekday = "sun", nth = 2``
    (``nth = -1`` is the last one); or ``dates = ["2025-10-06", "2026-09-25"]`` for
    lunar festivals (中秋, 春节) whose Gregorian date moves from year to year.
    """

    model_config = ConfigDict(extra="forbid")
    label: str = Field("", description="A display name (母亲节)")
    fixed: str | None = Field(None, description='"MM-DD" every year')
    month: int | None = Field(None, ge=1, le=12)
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    nth: int | None = Field(None, ge=-5, le=5, description="1..5, or -1 for the last")
    dates: list[dt.date] = Field(default_factory=list, description="Explicit dates per year")

    @model_validator(mode="after")
    def _one_form(self) -> OccasionSpec:
        forms = [
            self.fixed is not None,
            self.month is not None or self.weekday is not None or self.nth is not None,
            bool(self.dates),
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of fixed, month/weekday/nth, or dates")
        if forms[1] and (self.month is None or self.weekday is None or not self.nth):
            raise ValueError("a movable occasion needs month, weekday and nth (not 0)")
        if self.fixed is not None:
            try:
                dt.date.fromisoformat(f"2000-{self.fixed}")  # 2000 is a leap year
            except ValueError:
                raise ValueError(f"fixed {self.fixed!r} is not MM-DD") from None
        years = [day.year for day in self.dates]
        if len(years) != len(set(years)):
            raise ValueError("dates: one date per year")
        return self


def _lunar(*days: str) -> list[dt.date]:
    return [dt.date.fromisoformat(day) for day in days]


def default_occasions() -> dict[str, OccasionSpec]:
    """Occasions most Chinese retailers plan for; lunar ones as tables to 2030."""
    return {
        "mothers_day": OccasionSpec(label="母亲节", month=5, weekday="sun", nth=2),
        "fathers_day": OccasionSpec(label="父亲节", month=6, weekday="sun", nth=3),
        "valentines_day": OccasionSpec(label="情人节", fixed="02-14"),
        "christmas": OccasionSpec(label="圣诞节", fixed="12-25"),
        "spring_festival": OccasionSpec(
            label="春节",
            dates=_lunar(
                "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06",
                "2028-01-26", "2029-02-13", "2030-02-03",
            ),
        ),
        "mid_autumn": OccasionSpec(
            label="中秋节",
            dates=_lunar(
                "2024-09-17", "2025-10-06", "2026-09-25", "2027-09-15",
                "2028-10-03", "2029-09-22", "2030-09-12",
            ),
        ),
    }


class TriggerSpec(BaseModel):
    """One triggered campaign. ``type`` decides which of the options below apply."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$", description="Unique, e.g. birthday")
    type: Literal["special_date", "repeat_purchase", "lapsed", "product_match"]
    title: str = Field("", description="Campaign name prefix (default: the trigger's name)")
    enabled: bool = True
    channel: Literal["email", "sms", "letter"] = "email"
    template: str = Field(
        description="Name of the messages template (marketing/<channel>/<name>.txt|.html)"
    )
    subject: str | None = Field(None, description="Email subject (a Jinja2 template)")
    lead_days: int = Field(
        0, ge=0, le=MAX_LEAD_DAYS, description="Days ahead of the date/occasion to send"
    )
    campaign_period: Literal["day", "month", "year"] = Field(
        "month", description="One campaign per trigger and period (repeat_purchase: per occasion)"
    )
    # special_date
    dates: list[str] = Field(
        default_factory=lambda: [BIRTHDAY],
        description='"birthday" (Customer.birth_date) and/or special-date labels (结婚纪念日)',
    )
    # repeat_purchase and lapsed: what counts as a purchase
    kinds: list[str] = Field(
        default_factory=lambda: ["sales.order", "core.purchase"],
        description="Interaction kinds that count",
    )
    require_revenue: bool = Field(True, description="Only interactions with revenue > 0 count")
    payload_filter: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Top-level payload key → accepted values (e.g. category = [gift])",
    )
    products: list[str] = Field(
        default_factory=list, description="Only purchases with a line of one of these SKUs"
    )
    # repeat_purchase
    occasion: str | None = Field(None, description="A name from [marketing.triggers.occasions]")
    years: int = Field(2, ge=1, le=10, description="Bought around the occasion in each of K years")
    window_before: int = Field(21, ge=0, le=92, description="Days before an occasion that count")
    window_after: int = Field(0, ge=0, le=31, description="Days after an occasion that count")
    # lapsed
    lapsed_days: int = Field(180, ge=1, description="No purchase for this many days")
    cool_down_days: int = Field(90, ge=1, description="At most one reminder per cool-down")
    # product_match
    tags: list[str] = Field(default_factory=list, description="Customers with any of these tags")
    segment: str | None = Field(None, description="…or the members of this segment")
    announcement: str | None = Field(None, description="What is announced (once per customer)")
    active_from: dt.date | None = None
    active_until: dt.date | None = None

    @field_validator("kinds")
    @classmethod
    def _some_kinds(cls, kinds: list[str]) -> list[str]:
        if not kinds:
            raise ValueError("name at least one interaction kind")
        return kinds

    @model_validator(mode="after")
    def _type_options(self) -> TriggerSpec:
        if self.type == "special_date" and not self.dates:
            raise ValueError("a special_date trigger needs dates (birthday or labels)")
        if self.type == "repeat_purchase" and not self.occasion:
            raise ValueError("a repeat_purchase trigger needs an occasion")
        if self.type == "product_match":
            if not self.tags and not self.segment:
                raise ValueError("a product_match trigger needs tags or a segment")
            if not self.announcement:
                raise ValueError("a product_match trigger needs an announcement key")
        if self.type == "lapsed" and self.cool_down_days < PERIOD_DAYS[self.campaign_period]:
            # A customer is a member of a campaign once: a second reminder within the same
            # campaign period could never be sent.
            raise ValueError(
                f"cool_down_days must be at least {PERIOD_DAYS[self.campaign_period]} "
                f"with campaign_period {self.campaign_period!r}"
            )
        return self

    @property
    def display_title(self) -> str:
        """The campaign name prefix."""
        return self.title or self.name


PERIOD_DAYS = {"day": 1, "month": 31, "year": 366}


def default_triggers() -> list[TriggerSpec]:
    """A birthday greeting and the Mother's Day reminder of REQUIREMENTS §7.3."""
    return [
        TriggerSpec(
            name="birthday",
            type="special_date",
            title="生日祝福",
            template="birthday",
            subject="生日快乐,{{ customer.name }}",
            dates=[BIRTHDAY],
        ),
        TriggerSpec(
            name="mothers_day",
            type="repeat_purchase",
            title="母亲节礼物提醒",
            template="occasion_reminder",
            subject="母亲节快到了，为妈妈挑一份礼物吧",
            occasion="mothers_day",
            lead_days=10,
        ),
    ]


class ContentPolicySettings(BaseModel):
    """The content policy for social posts (微博营销, REQUIREMENTS §7.3 rule 4)."""

    model_config = ConfigDict(extra="forbid")
    max_length: int = Field(140, ge=1, description="Longest post, in weighted characters")
    half_width_weight: float = Field(
        0.5, ge=0, le=1, description="Weight of a half-width (ASCII) character, Weibo-style"
    )
    url_length: int = Field(10, ge=0, description="Every link counts as this many characters")
    max_commercial_share: float = Field(0.10, ge=0, le=1)
    ideal_share_low: float = Field(0.03, ge=0, le=1)
    ideal_share_high: float = Field(0.05, ge=0, le=1)
    period: Literal["week", "month", "quarter"] = "month"
    commercial_keywords: list[str] = Field(
        default_factory=lambda: [
            "促销", "优惠", "折扣", "打折", "特价", "限时", "秒杀", "包邮", "满减",
            "下单", "抢购", "优惠券", "代金券", "新品上市", "购买",
            "sale", "discount", "coupon", "buy now", "% off",
        ],
        description="A post containing any of these (case-insensitive) is commercial",
    )

    @model_validator(mode="after")
    def _band(self) -> ContentPolicySettings:
        if not self.ideal_share_low <= self.ideal_share_high <= self.max_commercial_share:
            raise ValueError("need ideal_share_low <= ideal_share_high <= max_commercial_share")
        return self


class TriggerSettings(BaseModel):
    """How the triggers area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    feb29_in_common_years: Literal["02-28", "03-01"] = Field(
        "02-28", description="When a 29 February date is celebrated in a common year"
    )
    occasions: dict[str, OccasionSpec] = Field(default_factory=default_occasions)
    triggers: list[TriggerSpec] = Field(default_factory=default_triggers)
    content: ContentPolicySettings = Field(default_factory=ContentPolicySettings)

    @model_validator(mode="after")
    def _consistent(self) -> TriggerSettings:
        names = [t.name for t in self.triggers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"trigger names must be unique: {', '.join(duplicates)}")
        for trigger in self.triggers:
            if trigger.occasion is not None and trigger.occasion not in self.occasions:
                raise ValueError(
                    f"trigger {trigger.name!r}: unknown occasion {trigger.occasion!r}"
                )
        return self
