"""Credentials for the HTTP side: API tokens, console sessions and staff passwords."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, UTCDateTime


class ApiToken(SQLModel, table=True):
    """A bearer token of a staff user: an API token or a console login session.

    Only the SHA-256 of the secret is stored; the secret is shown once, when it is made.
    ``prefix`` (the first characters of the secret) tells tokens apart in listings.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    staff_id: int = Field(foreign_key="staff.id", index=True, sa_type=BigID)
    kind: str = Field(max_length=10, description="api or session")
    name: str = Field(default="", max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A read-only API token acts as its user with only the read permissions of his roles
    # and may not send a POST, PUT, PATCH or DELETE.
    read_only: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class StaffCredential(SQLModel, table=True):
    """A staff user's console password (scrypt), kept apart from the staff record."""

    __tablename__ = "staff_credential"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True, sa_type=BigID)
    password_hash: str = Field(max_length=200)
    changed_at: dt.datetime = Field(sa_type=UTCDateTime)
