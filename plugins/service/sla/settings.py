"""Settings of the SLA (``[service.sla]``) area: business calendars, policies, warnings and
the escalation chain.

A *calendar* says when the clock runs: working hours per weekday (several intervals a
day, so a lunch break is two intervals), public holidays, and make-up working days
(调休: a Saturday or Sunday worked in exchange for a longer holiday). The name ``24x7``
is always there and means every minute counts. A *policy* matches tickets on type,
priority and customer tier (first match wins) and gives the first-response and
resolution targets in business minutes of its calendar.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from guanxi_service.tickets.models import PRIORITIES, TICKET_TYPES

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "24x7"  # the built-in calendar: every minute is business time
INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def parse_interval(text: str) -> tuple[int, int]:
    """``"09:00-12:00"`` as minutes of the day ``(540, 720)``; ``24:00`` may end a day."""
    match = INTERVAL.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts")
    return start, end


def parse_intervals(texts: list[str]) -> tuple[tuple[int, int], ...]:
    """A day's intervals, sorted; overlapping intervals are refused."""
    intervals = sorted(parse_interval(text) for text in texts)
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            raise ValueError(f"intervals {', '.join(texts)} overlap")
    return tuple(intervals)


class CalendarSettings(BaseModel):
    """A business calendar (``[service.sla.calendars.<name>]``)."""

    model_config = ConfigDict(extra="forbid")
    # IANA zone; None: the edition's display time zone (core.timezone).
    timezone: str | None = None
    # Working intervals per weekday ("mon" … "sun"); a day not named is not worked.
    hours: dict[str, list[str]] = Field(default_factory=dict)
    holidays: list[dt.date] = Field(default_factory=list)
    # Make-up working days (调休): dates worked although their weekday is not.
    workdays: list[dt.date] = Field(default_factory=list)
    # The hours of a make-up day; None: Monday's hours.
    workday_hours: list[str] | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, texts in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (one of {', '.join(WEEKDAYS)})")
            try:
                parse_intervals(texts)
            except ValueError as exc:
                raise ValueError(f"{day}: {exc}") from None
        return value

    @field_validator("workday_hours")
    @classmethod
    def _workday_hours(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            parse_intervals(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CalendarSettings:
        if not any(parse_intervals(texts) for texts in self.hours.values()):
            raise ValueError("hours: no working interval on any weekday")
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a make-up workday")
        if self.workdays and self.workday_hours is None and not self.hours.get("mon"):
            raise ValueError("workday_hours: needed when Monday has no hours")
        return self


class PolicySettings(BaseModel):
    """One SLA policy (``[[service.sla.policies]]``); empty match lists match anything."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    types: list[str] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)  # values of the tier custom field
    first_response_minutes: int | None = Field(default=None, gt=0)
    resolution_minutes: int | None = Field(default=None, gt=0)
    calendar: str = "default"

    @field_validator("types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in TICKET_TYPES:
                raise ValueError(f"unknown ticket type {item!r} (one of {', '.join(TICKET_TYPES)})")
        return value

    @field_validator("priorities")
    @classmethod
    def _priorities(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in PRIORITIES:
                raise ValueError(f"unknown priority {item!r} (one of {', '.join(PRIORITIES)})")
        return value

    @model_validator(mode="after")
    def _has_target(self) -> PolicySettings:
        if self.first_response_minutes is None and self.resolution_minutes is None:
            raise ValueError(f"policy {self.name!r} has neither a first-response nor a "
                             "resolution target")
        return self


class EscalationSettings(BaseModel):
    """Who hears of a breach: level 1 the ticket team's leads, level 2 the parent team's…"""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    # Wall-clock minutes between one level and the next while the ticket stays breached.
    every_minutes: int = Field(default=120, gt=0)
    max_level: int = Field(default=3, ge=1, le=10)


def _default_calendars() -> dict[str, CalendarSettings]:
    week = {day: ["09:00-12:00", "13:00-18:00"] for day in WEEKDAYS[:5]}
    return {"default": CalendarSettings(hours=week)}


def _default_policies() -> list[PolicySettings]:
    return [
        PolicySettings(name="urgent", priorities=["urgent"], first_response_minutes=30,
                       resolution_minutes=240, calendar=ALWAYS),
        PolicySettings(name="vip", tiers=["vip"], first_response_minutes=60,
                       resolution_minutes=960),
        PolicySettings(name="complaint", types=["complaint"], first_response_minutes=120,
                       resolution_minutes=1440),
        PolicySettings(name="high", priorities=["high"], first_response_minutes=120,
                       resolution_minutes=1440),
        PolicySettings(name="standard", first_response_minutes=480, resolution_minutes=2400),
    ]


class SlaSettings(BaseModel):
    """What an edition may configure in the sla area."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    # The customer custom field holding the tier policies match on (vip/key/regular).
    tier_field: str = Field(default="value_segment", min_length=1)
    calendars: dict[str, CalendarSettings] = Field(default_factory=_default_calendars)
    policies: list[PolicySettings] = Field(default_factory=_default_policies)
    # Warn at this share of a target's business time, or this many business minutes
    # before its deadline (set one of the two, or neither for no warnings).
    warn_at_percent: int | None = Field(default=80, gt=0, lt=100)
    warn_before_minutes: int | None = Field(default=None, gt=0)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)

    @model_validator(mode="after")
    def _consistent(self) -> SlaSettings:
        if self.warn_at_percent is not None and self.warn_before_minutes is not None:
            raise ValueError("set warn_at_percent or warn_before_minutes, not both")
        if ALWAYS in self.calendars:
            raise ValueError(f"calendars: {ALWAYS!r} is built in and cannot be redefined")
        seen: set[str] = set()
        for policy in self.policies:
            if policy.name in seen:
                raise ValueError(f"policies: {policy.name!r} is defined twice")
            seen.add(policy.name)
            if policy.calendar != ALWAYS and policy.calendar not in self.calendars:
                raise ValueError(f"policies: {policy.name!r} uses unknown calendar "
                                 f"{policy.calendar!r}")
        return self
