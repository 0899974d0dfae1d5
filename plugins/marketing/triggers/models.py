"""The triggers area's tables: who each trigger fired for, and the social-post plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

POST_STATUSES = ("planned", "published")


class TriggerFire(SQLModel, table=True):
    """A trigger fired for a customer for one occurrence (never twice: the unique key).

    ``occurrence`` names what was greeted or reminded of: the date of the birthday or
    of the occasion (``2012-05-13``), the day a lapsed customer was reminded, or the
    announcement of a product match. ``reason`` says why the customer was chosen.
    """

    __tablename__ = "marketing_trigger_fire"
    __table_args__ = (
        UniqueConstraint("trigger", "customer_id", "occurrence", name="uq_marketing_trigger_fire"),
        Index("ix_marketing_trigger_fire_period", "trigger", "period"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    trigger: str = Field(max_length=60)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    occurrence: str = Field(max_length=80)
    period: str = Field(max_length=80)  # the campaign period (2026-05, 2012-05-13, …)
    campaign_id: int = Field(foreign_key="marketing_campaign.id", sa_type=BigID)
    fired_on: dt.date  # the local day of the run
    fired_at: dt.datetime = Field(sa_type=UTCDateTime)
    reason: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class SocialPost(SQLModel, table=True):
    """A post of a company social account (微博), planned or published, with its check.

    ``commercial`` is what the author said; when it was not said, the configured
    keywords decided, and ``classified_by`` says which.
    """

    __tablename__ = "marketing_social_post"
    __table_args__ = (Index("ix_marketing_social_post_account_time", "account", "planned_at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    account: str = Field(max_length=120)
    text: str
    length: int  # weighted characters, as the policy counts them
    commercial: bool
    classified_by: str = Field(max_length=10)  # author | keywords
    status: str = Field(default="planned", max_length=10)  # one of POST_STATUSES
    planned_at: dt.datetime = Field(sa_type=UTCDateTime)
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    forced: bool = False  # scheduled although it broke the policy
    override_reason: str | None = None
    violations: list[Any] = Field(default_factory=list, sa_type=JSONType)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (TriggerFire, SocialPost)
