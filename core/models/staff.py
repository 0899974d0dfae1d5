"""Staff users (who own customers and do the work) and teams (departments)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime


class Team(SQLModel, table=True):
    """A team or department; ``parent_id`` builds the department hierarchy."""

    __tablename__ = "team"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(unique=True, max_length=120)
    description: str = ""
    parent_id: int | None = Field(default=None, foreign_key="team.id", sa_type=BigID)


class Staff(SQLModel, table=True):
    """A staff user: owner of customers, assignee of tasks, actor of interactions."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    username: str = Field(unique=True, max_length=80)
    display_name: str
    email: str | None = None
    phone: str | None = None
    is_active: bool = True
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class TeamMember(SQLModel, table=True):
    """Membership of a staff user in a team; a lead sees and escalates for the team."""

    __tablename__ = "team_member"

    team_id: int = Field(foreign_key="team.id", primary_key=True, sa_type=BigID)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True, sa_type=BigID, index=True)
    is_lead: bool = False
