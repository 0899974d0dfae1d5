"""Scorecard snapshots: the card stored per period, so a trend over months exists.

The monthly job stores the previous calendar month once (a month already stored is left
as it was: the history shows what the scorecard said at the time); ``scorecard snapshot
--replace`` recomputes a period on purpose. Snapshots are company-wide figures, so only a
principal who sees every customer may take or read them: a user whose record policies
hide customers would otherwise store partial figures as the company's, or read figures
computed over customers he may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import col, select

from guanxi.access.enforce import require, visible_customers
from guanxi.app import UnitOfWork
from guanxi.errors import AccessDenied
from guanxi_analytics.common import Period, add_months
from guanxi_analytics.kpi import Kpi
from guanxi_analytics.scorecard.card import build_scorecard
from guanxi_analytics.scorecard.models import ScorecardSnapshot

ENTITY = "analytics.scorecard_snapshot"
JOB = "analytics.scorecard_snapshot"


@dataclass
class SnapshotResult:
    """What a snapshot did for a period."""

    period_from: dt.date
    period_to: dt.date  # inclusive
    lines: int
    stored: bool  # False: the period was already stored and left as it was


def _require_everyone(uow: UnitOfWork, action: str) -> None:
    require(uow, ENTITY, action)
    if visible_customers(uow) is not None:
        raise AccessDenied(
            f"{uow.principal.username} may not {action} {ENTITY}: snapshots hold "
            "company-wide figures and your record policies hide some customers "
            "(use 'scorecard show' for the figures of your customers)", entity=ENTITY)


def take_snapshot(uow: UnitOfWork, period: Period, *, replace: bool = False,
                  kpis: dict[str, Kpi] | None = None) -> SnapshotResult:
    """Store the scorecard of ``period``; a stored period is kept unless ``replace``."""
    _require_everyone(uow, "create")
    same = (col(ScorecardSnapshot.period_start) == period.start,
            col(ScorecardSnapshot.period_end) == period.end)
    existing = uow.session.exec(select(ScorecardSnapshot.id).where(*same)).all()
    if existing and not replace:
        return SnapshotResult(period.start, period.last, len(existing), stored=False)
    card = build_scorecard(uow, period, kpis, compare=False)
    if existing:
        uow.session.execute(delete(ScorecardSnapshot).where(*same))
    for line in card.lines():
        uow.session.add(ScorecardSnapshot(
            period_start=period.start, period_end=period.end,
            perspective=line.perspective, kpi=line.kpi, value=line.value,
            target=line.target, status=line.status, attainment=line.attainment,
            computed_at=uow.now,
        ))
    uow.session.flush()
    return SnapshotResult(period.start, period.last, len(card.lines()), stored=True)


def last_month(day: dt.date) -> Period:
    """The calendar month before the one ``day`` falls in."""
    first = day.replace(day=1)
    return Period(add_months(first, -1), first)


def run_snapshot_job(uow: UnitOfWork, due_at: dt.datetime) -> None:
    """The monthly job: store the previous calendar month (once; idempotent)."""
    local_day = due_at.astimezone(uow.app.tz).date()
    take_snapshot(uow, last_month(local_day))


@dataclass
class HistoryRow:
    """One stored line of one period."""

    period_from: dt.date
    period_to: dt.date  # inclusive
    perspective: str
    kpi: str
    value: float | None
    target: float | None
    status: str
    attainment: float | None


def history(uow: UnitOfWork, period: Period, kpi: str | None = None) -> list[HistoryRow]:
    """The stored lines of the periods starting within ``period``, oldest first."""
    _require_everyone(uow, "read")
    query = select(ScorecardSnapshot).where(
        col(ScorecardSnapshot.period_start) >= period.start,
        col(ScorecardSnapshot.period_start) < period.end,
    ).order_by(col(ScorecardSnapshot.period_start), col(ScorecardSnapshot.period_end),
               col(ScorecardSnapshot.id))
    if kpi is not None:
        query = query.where(col(ScorecardSnapshot.kpi) == kpi)
    return [
        HistoryRow(row.period_start, row.period_end - dt.timedelta(days=1), row.perspective,
                   row.kpi, row.value, row.target, row.status, row.attainment)
        for row in uow.session.exec(query)
    ]
