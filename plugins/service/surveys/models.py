"""The surveys area's table: one satisfaction survey per closed ticket or return visit.

A survey is ``scheduled`` (waiting for its delay), ``sent`` (the invitation went out),
``answered`` or ``expired``. The answer lives on the row: CSAT, NPS, the factor ratings
(a JSON object ``{factor: 1–5}``) and a free-text comment, so the satisfaction reports
read one table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

SURVEY_STATUSES = ("scheduled", "sent", "answered", "expired")
# What a survey is about: a ticket or a return visit (one survey each, whether the trigger
# or an agent made it).
SOURCES = ("ticket", "visit")
# What a poor answer led to.
FOLLOW_UPS = ("reopened", "complaint")


class Survey(SQLModel, table=True):
    """A satisfaction survey (满意度调查) sent to a customer, and the answer."""

    __tablename__ = "service_survey"
    __table_args__ = (
        # One survey per ticket or visit: the trigger is idempotent through this.
        UniqueConstraint("source", "source_id", name="uq_service_survey_source"),
        UniqueConstraint("token", name="uq_service_survey_token"),
        # The send and expiry jobs: surveys of a status by their due time.
        Index("ix_service_survey_status_send", "status", "send_at"),
        Index("ix_service_survey_status_expires", "status", "expires_at"),
        Index("ix_service_survey_sent", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    # Unguessable (32 url-safe characters): the later web form finds the survey by it.
    token: str = Field(max_length=64)
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    source: str = Field(max_length=10)  # one of SOURCES
    source_id: int = Field(sa_type=BigID)  # the ticket's or the visit's id
    ticket_id: int | None = Field(
        default=None, foreign_key="service_ticket.id", sa_type=BigID, index=True)
    visit_id: int | None = Field(default=None, sa_type=BigID)
    # The ticket's team when the survey was made: satisfaction by team needs no join and
    # stays with the team that did the work if the ticket moves later.
    team_id: int | None = Field(default=None, foreign_key="team.id", sa_type=BigID)
    channel: str = Field(max_length=10)  # what the invitation is sent on
    language: str = Field(default="zh", max_length=5)
    status: str = Field(default="scheduled", max_length=10)  # one of SURVEY_STATUSES
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    send_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    expired_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    csat: int | None = None  # 1–5
    nps: int | None = None  # 0–10
    factors: dict = Field(default_factory=dict, sa_type=JSONType)  # {factor key: 1–5}
    comment: str | None = None  # free text: cleared on erasure
    poor: bool = False
    follow_up: str | None = Field(default=None, max_length=10)  # one of FOLLOW_UPS
    follow_up_ticket_id: int | None = Field(
        default=None, foreign_key="service_ticket.id", sa_type=BigID)
    answered_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)


TABLES: tuple[type, ...] = (Survey,)
