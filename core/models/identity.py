"""Identity resolution and data exchange: match keys, duplicate pairs, merges, import runs.

* :class:`MatchKey` — the blocking keys of every customer under the edition's match
  rules, so checking one new record is a few index seeks, not a scan.
* :class:`DuplicatePair` — the review queue: two customers that may be one, with the
  score, the blocking passes and field agreements that put them there.
* :class:`CustomerMerge` and :class:`MergedCustomer` — one merge, with the journal that
  lets it be undone exactly, and where each retired id went.
* :class:`ImportRun` — one import of one file, with the last row committed, so an
  import interrupted by a crash resumes where it stopped instead of duplicating.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime


class MatchKey(SQLModel, table=True):
    """One blocking key of one customer: ``"<pass name>:<reduced value>"``.

    The primary key leads with ``key`` so "who shares this key?" is one range seek;
    ``customer_id`` has its own index for replacing a customer's keys on update.
    """

    __tablename__ = "customer_match_key"
    __table_args__ = (
        Index("ix_customer_match_key_customer", "customer_id"),
        {"sqlite_with_rowid": False},
    )

    key: str = Field(primary_key=True, max_length=200)
    customer_id: int = Field(
        primary_key=True, foreign_key="customer.id", sa_type=BigID, ondelete="CASCADE"
    )


class DuplicatePair(SQLModel, table=True):
    """Two customers that may be the same party, as the matcher scored them.

    ``left_id < right_id`` always. No foreign keys: the queue keeps its history when a
    merge retires one of the two (``state`` becomes ``merged``).
    """

    __tablename__ = "duplicate_pair"
    __table_args__ = (
        UniqueConstraint("left_id", "right_id", name="uq_duplicate_pair"),
        Index("ix_duplicate_pair_state", "state", "score"),
        Index("ix_duplicate_pair_right", "right_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    left_id: int = Field(sa_type=BigID)
    right_id: int = Field(sa_type=BigID)
    score: float
    status: str = Field(max_length=10)  # match | review (the matcher's verdict)
    passes: list[str] = Field(default_factory=list, sa_type=JSONType)
    fields: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    origin: str = Field(max_length=20)  # scan | create | import
    state: str = Field(default="open", max_length=10)  # open | dismissed | merged
    found_at: dt.datetime = Field(sa_type=UTCDateTime)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, sa_type=BigID)
    merge_id: int | None = Field(default=None, sa_type=BigID)


class CustomerMerge(SQLModel, table=True):
    """One merge of ``merged_ids`` into ``survivor_id`` and how to take it back.

    ``choices`` records, per customer field, which record's value the survivor kept and
    by which rule; ``journal`` every row the merge moved, changed, deleted or created,
    so :func:`undo` restores both sides exactly.
    """

    __tablename__ = "customer_merge"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    survivor_id: int = Field(sa_type=BigID, index=True)
    merged_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, sa_type=BigID)
    actor: str = Field(max_length=80)
    reason: str | None = None
    choices: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    journal: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    undone_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by_id: int | None = Field(default=None, sa_type=BigID)


class MergedCustomer(SQLModel, table=True):
    """A customer id retired by a merge, and the survivor it now means."""

    __tablename__ = "merged_customer"

    customer_id: int = Field(primary_key=True, sa_type=BigID)
    survivor_id: int = Field(sa_type=BigID, index=True)
    merge_id: int = Field(foreign_key="customer_merge.id", sa_type=BigID)


class ImportRun(SQLModel, table=True):
    """One import of one file: what it is, how far it got, what it stored.

    A rerun of the same file (same ``digest``, kind and mapping) whose last run did not
    finish resumes after ``rows_done``; one that finished is refused unless asked for.
    """

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_file", "kind", "digest"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    kind: str = Field(max_length=20)
    path: str
    format: str = Field(max_length=10)  # csv | xlsx | vcard
    digest: str = Field(max_length=64)  # SHA-256 of the file's bytes
    options_digest: str = Field(max_length=64)  # SHA-256 of mapping, source, sheet, …
    size: int = Field(sa_type=BigID)
    started_at: dt.datetime = Field(sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, sa_type=BigID)
    rows_done: int = 0  # the last row number whose batch was committed
    stored: int = 0
    rejected: int = 0
    linked: int = 0
    flagged: int = 0
