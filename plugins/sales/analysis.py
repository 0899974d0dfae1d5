"""Sales analysis: forecast (销售预测), win/loss (赢/输分析), funnel and sales cycle.

Every figure is computed by grouped SQL queries, so the work happens in the database on
SQLite and PostgreSQL alike and Python only labels a few rows. The queries are ORM
statements run on ``uow.session``: the record policies of the acting principal apply to
them as to every listing (a manager's forecast is his department's).

Definitions:

* **Forecast** — per period (month or quarter) of the expected close date and per owner
  or team: the open pipeline (sum of amounts), the weighted pipeline (sum of amount ×
  probability) and the won amount (a won opportunity's close date is the day it was won).
* **Win rate** of a group — won / (won + lost) among its closed opportunities. By stage:
  among the closed opportunities that reached the stage.
* **Conversion** of a stage — of the opportunities that entered it, the share that went
  on to a later stage or were won.
* **Time in stage** — from a stage change to the next one (the open stage: until now).
* **Sales cycle** — days from an opportunity's creation to its close.
* **Currency** — every amount is in its opportunity's currency, and amounts in different
  currencies are never added (there is no conversion to a corporate currency yet). So a
  forecast or win/loss row is one group *and one currency*: a group with business in two
  currencies has two rows, whose counts and win rate are those of that currency's
  opportunities. The funnel and the sales cycle carry no amounts and are not split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import ColumnElement, Select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import UTCDateTime
from guanxi.errors import ValidationError
from guanxi.models import Customer, Staff, Team, TeamMember
from guanxi_sales.models import Opportunity, OpportunityCompetitor, StageChange
from guanxi_sales.opportunities import ENTITY, pipeline_spec

PERIODS = ("month", "quarter")
FORECAST_BY = ("owner", "team", "none")
WIN_LOSS_BY = ("owner", "team", "source", "competitor", "stage", "pipeline")
CYCLE_BY = ("owner", "team", "source", "competitor", "pipeline", "none")
CENT = Decimal("0.01")
NO_KEY = {"owner": "(no owner)", "team": "(no team)", "source": "(no source)",
          "competitor": "(no competitor)", "pipeline": "-", "none": "all"}
CLOSED = ("won", "lost")


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValidationError(field, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _date(field: str, value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"not a date (YYYY-MM-DD): {value!r}") from None


def _money(hundredths: Any) -> Decimal:
    return (Decimal(int(hundredths or 0)) / 100).quantize(CENT)


def _rate(won: int, lost: int) -> float | None:
    return round(won / (won + lost), 4) if won + lost else None


def _avg(total: Any, count: int) -> float | None:
    return round(float(total) / count, 2) if count and total is not None else None


def period_key(uow: UnitOfWork, column: Any, period: str) -> ColumnElement[int]:
    """The period of a date column as an integer: 202605 (month) or 20262 (quarter).

    SQLite stores a date as ``YYYY-MM-DD`` text, and cutting the text is cheaper than
    ``strftime``; PostgreSQL extracts the fields. The constants are inlined so PostgreSQL
    sees the same expression in SELECT and GROUP BY.
    """
    if uow.session.get_bind().dialect.name == "sqlite":
        year = cast(func.substr(column, literal_column("1"), literal_column("4")), Integer)
        month = cast(func.substr(column, literal_column("6"), literal_column("2")), Integer)
    else:
        year = cast(extract("year", column), Integer)
        month = cast(extract("month", column), Integer)
    if period == "month":
        return year * literal_column("100", Integer) + month
    return (year * literal_column("10", Integer)
            + (month + literal_column("2", Integer)) // literal_column("3", Integer))


def period_label(key: int, period: str) -> str:
    """``202605`` → ``"2026-05"``; ``20262`` → ``"2026-Q2"`` (as sales targets name them)."""
    key = int(key)
    return f"{key // 100:04d}-{key % 100:02d}" if period == "month" else f"{key // 10}-Q{key % 10}"


def days_between(uow: UnitOfWork, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in days, as SQL for the session's database."""
    if uow.session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return cast(extract("epoch", later - earlier), Float) / literal_column("86400.0")


def _amount() -> ColumnElement[int]:
    """The amount column as stored: integer hundredths, so sums are exact in SQL."""
    return type_coerce(Opportunity.amount, BigInteger)


def _grouped(by: str, *columns: Any) -> tuple[Select[Any], list[Any]]:
    """``SELECT key, columns… FROM sales_opportunity`` with the joins grouping ``by`` needs,
    and what to GROUP BY (nothing for ``none``: PostgreSQL refuses a constant there)."""
    link = OpportunityCompetitor
    keys: dict[str, Any] = {
        "owner": Opportunity.owner_id, "team": TeamMember.team_id, "source": Opportunity.source,
        "pipeline": Opportunity.pipeline, "competitor": link.competitor_id,
        "none": literal_column("NULL"),
    }
    key = keys[by]
    query = select(key.label("key"), *columns).select_from(Opportunity)
    if by == "team":
        query = query.outerjoin(TeamMember, TeamMember.staff_id == Opportunity.owner_id)
    elif by == "competitor":
        query = query.outerjoin(link, link.opportunity_id == Opportunity.id)
    return query, [] if by == "none" else [key]


def _labels(uow: UnitOfWork, by: str, keys: set[Any]) -> dict[Any, str]:
    ids = sorted(k for k in keys if k is not None)
    found: dict[Any, str] = {}
    if by == "owner" and ids:
        query = select(Staff.id, Staff.username).where(Staff.id.in_(ids))
        found = dict(uow.session.exec(query).all())
    elif by == "team" and ids:
        found = dict(uow.session.exec(select(Team.id, Team.name).where(Team.id.in_(ids))).all())
    elif by == "competitor" and ids:
        query = select(Customer.id, Customer.name).where(Customer.id.in_(ids))
        found = dict(uow.session.exec(query).all())
    labels = {k: found.get(k, f"#{k}" if isinstance(k, int) else str(k)) for k in ids}
    return {**labels, None: NO_KEY[by]}


def _status(statuses: tuple[str, ...], start: dt.date | None, end: dt.date | None) -> Any:
    """The condition "status is one of ``statuses``".

    Without a date range it is written as "status is not the other one", which SQLite
    answers with one sequential scan of the table, several times faster than the
    ``(status, expected_close)`` index, whose every entry costs a lookup in the table.
    With a range that index is the right path.
    """
    others = [s for s in ("open", "won", "lost") if s not in statuses]
    if start is None and end is None and len(others) == 1:
        return Opportunity.status != others[0]
    return Opportunity.status.in_(statuses)


def _filters(query: Select[Any], start: dt.date | None, end: dt.date | None,
             pipeline: str | None) -> Select[Any]:
    if start is not None:
        query = query.where(Opportunity.expected_close >= start)
    if end is not None:
        query = query.where(Opportunity.expected_close <= end)
    if pipeline is not None:
        query = query.where(Opportunity.pipeline == pipeline)
    return query


# ----------------------------------------------------------------------------- forecast


@dataclass(frozen=True)
class ForecastRow:
    """One period, owner/team and currency: open count, pipeline, weighted pipeline, won
    business."""

    period: str
    key: Any
    label: str
    currency: str
    open_count: int
    pipeline: Decimal
    weighted: Decimal
    won_count: int
    won: Decimal


def forecast(
    uow: UnitOfWork, *, period: str = "quarter", by: str = "owner",
    start: dt.date | str | None = None, end: dt.date | str | None = None,
    pipeline: str | None = None,
) -> list[ForecastRow]:
    """The weighted pipeline per period of expected close, per owner, team or none and
    per currency.

    ``start``/``end`` bound the close dates. An owner in two teams counts in both.
    """
    require(uow, ENTITY, "read")
    _choice("period", period, PERIODS)
    _choice("by", by, FORECAST_BY)
    is_open, is_won = Opportunity.status == "open", Opportunity.status == "won"
    amount = _amount()
    when = period_key(uow, Opportunity.expected_close, period)
    query, key = _grouped(
        by, when.label("period"), Opportunity.currency,
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((is_open, amount), else_=0)),
        func.sum(case((is_open, amount * Opportunity.probability), else_=0)),
        func.sum(case((is_won, 1), else_=0)),
        func.sum(case((is_won, amount), else_=0)),
    )
    start, end = _date("start", start), _date("end", end)
    query = _filters(query.where(_status(("open", "won"), start, end)), start, end, pipeline)
    rows = uow.session.exec(query.group_by(when, *key, Opportunity.currency)).all()
    labels = _labels(uow, by, {r[0] for r in rows})
    result = [
        ForecastRow(period_label(p, period), k, labels[k], currency, int(n or 0), _money(total),
                    (Decimal(int(weighted or 0)) / 10000).quantize(CENT, ROUND_HALF_UP),
                    int(won_n or 0), _money(won))
        for k, p, currency, n, total, weighted, won_n, won in rows
    ]
    return sorted(result, key=lambda r: (r.period, r.label, r.currency))


# ----------------------------------------------------------------------------- win / loss


@dataclass(frozen=True)
class WinLossRow:
    """Closed opportunities of one group in one currency: won and lost counts and amounts,
    win rate."""

    key: Any
    label: str
    currency: str
    won: int
    lost: int
    won_amount: Decimal
    lost_amount: Decimal

    @property
    def win_rate(self) -> float | None:
        """won / (won + lost)."""
        return _rate(self.won, self.lost)


def _reached(stages: list[str]) -> Any:
    """Per opportunity: a 0/1 column ``s<i>`` per stage (of ``stages``) it ever entered,
    and ``top``, the index of the furthest of them it reached."""
    flags = [func.max(case((StageChange.to_stage == s, 1), else_=0)).label(f"s{i}")
             for i, s in enumerate(stages)]
    top = func.max(case({s: i for i, s in enumerate(stages)}, value=StageChange.to_stage,
                        else_=-1)).label("top")
    # No filter on the pipeline here: an opportunity never changes pipeline, so the outer
    # query's filter on the opportunity is enough, and SQLite then groups in the order of
    # the (opportunity_id, changed_at) index instead of sorting.
    return (select(StageChange.opportunity_id.label("opportunity_id"), *flags, top)
            .group_by(StageChange.opportunity_id).subquery("reached"))


def win_loss(
    uow: UnitOfWork, *, by: str = "owner", start: dt.date | str | None = None,
    end: dt.date | str | None = None, pipeline: str | None = None,
) -> list[WinLossRow]:
    """Won and lost opportunities (closed from ``start`` to ``end``) and the win rate, by
    owner, team, source, competitor, pipeline or stage reached, and by currency."""
    require(uow, ENTITY, "read")
    _choice("by", by, WIN_LOSS_BY)
    start, end = _date("start", start), _date("end", end)
    amount = _amount()
    is_won, is_lost = Opportunity.status == "won", Opportunity.status == "lost"
    if by == "stage":
        return _win_loss_by_stage(uow, start, end, pipeline)
    query, key = _grouped(
        by, Opportunity.currency,
        func.sum(case((is_won, 1), else_=0)), func.sum(case((is_lost, 1), else_=0)),
        func.sum(case((is_won, amount), else_=0)), func.sum(case((is_lost, amount), else_=0)),
    )
    query = _filters(query.where(_status(CLOSED, start, end)), start, end, pipeline)
    rows = uow.session.exec(query.group_by(*key, Opportunity.currency)).all()
    labels = _labels(uow, by, {r[0] for r in rows})
    result = [WinLossRow(k, labels[k], currency, int(w), int(lost), _money(wa), _money(la))
              for k, currency, w, lost, wa, la in rows]
    return sorted(result, key=lambda r: (r.label, r.currency))


def _win_loss_by_stage(uow: UnitOfWork, start: dt.date | None, end: dt.date | None,
                       pipeline: str | None) -> list[WinLossRow]:
    name, spec = pipeline_spec(uow.app, pipeline)
    stages = [s.name for s in spec.open_stages]
    reached = _reached(stages)
    amount = _amount()
    is_won = Opportunity.status == "won"
    columns = []
    for i in range(len(stages)):
        flag = reached.c[f"s{i}"]
        columns += [func.sum(flag), func.sum(flag * amount)]
    query = (select(is_won.label("won"), Opportunity.currency, *columns).select_from(Opportunity)
             .join(reached, reached.c.opportunity_id == Opportunity.id))
    query = _filters(query.where(_status(CLOSED, start, end)), start, end, name)
    totals = {(bool(row[0]), row[1]): row[2:]
              for row in uow.session.exec(query.group_by(is_won, Opportunity.currency)).all()}
    # Every stage in every currency of the closed business (the edition's if there is
    # none), so a stage nobody reached still shows, with zeros.
    currencies = sorted({currency for _, currency in totals}) or [uow.app.settings.currency]
    nothing = [0] * (2 * len(stages))
    rows = []
    for i, stage in enumerate(stages):
        for currency in currencies:
            won = totals.get((True, currency), nothing)
            lost = totals.get((False, currency), nothing)
            rows.append(WinLossRow(stage, stage, currency, int(won[2 * i] or 0),
                                   int(lost[2 * i] or 0), _money(won[2 * i + 1]),
                                   _money(lost[2 * i + 1])))
    return rows


# ----------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class FunnelRow:
    """One stage: entered, went on, won afterwards, lost there, open there, days in it."""

    stage: str
    probability: int
    entered: int
    advanced: int
    won: int
    lost_here: int
    open_here: int
    stays: int
    avg_days: float | None

    @property
    def conversion(self) -> float | None:
        """advanced / entered."""
        return round(self.advanced / self.entered, 4) if self.entered else None


def funnel(uow: UnitOfWork, *, pipeline: str | None = None) -> list[FunnelRow]:
    """Per open stage of a pipeline, in order: how many entered it, went on (a later stage
    or won), were eventually won, were lost from it, are in it now, and the average days
    spent in it (per stay; an open stay counts until now)."""
    require(uow, ENTITY, "read")
    name, spec = pipeline_spec(uow.app, pipeline)
    stages = [s.name for s in spec.open_stages]
    lost_stage = next(s.name for s in spec.stages if s.lost)
    reached = _reached(stages)
    is_won = Opportunity.status == "won"
    columns = []
    for i in range(len(stages)):
        flag = reached.c[f"s{i}"]
        went_on = or_(reached.c.top > i, is_won)
        columns += [func.sum(flag), func.sum(case((went_on, flag), else_=0)),
                    func.sum(case((is_won, flag), else_=0))]
    query = (select(*columns).select_from(Opportunity)
             .join(reached, reached.c.opportunity_id == Opportunity.id)
             .where(Opportunity.pipeline == name))
    sums = uow.session.exec(query).one()
    lost_query = (select(StageChange.from_stage, func.count())
                  .where(StageChange.pipeline == name, StageChange.to_stage == lost_stage)
                  .group_by(StageChange.from_stage))
    lost_here = dict(uow.session.exec(lost_query).all())
    open_query = (select(Opportunity.stage, func.count())
                  .where(Opportunity.pipeline == name, Opportunity.status == "open")
                  .group_by(Opportunity.stage))
    open_here = dict(uow.session.exec(open_query).all())
    stays = time_in_stage(uow, pipeline=name)
    rows = []
    for i, stage in enumerate(stages):
        count, days = stays.get(stage, (0, None))
        rows.append(FunnelRow(stage, spec.stage(stage).probability,  # type: ignore[union-attr]
                              int(sums[3 * i] or 0), int(sums[3 * i + 1] or 0),
                              int(sums[3 * i + 2] or 0), int(lost_here.get(stage, 0)),
                              int(open_here.get(stage, 0)), count, days))
    return rows


def time_in_stage(
    uow: UnitOfWork, *, pipeline: str | None = None
) -> dict[str, tuple[int, float | None]]:
    """Per open stage: the number of stays and their average length in days.

    A stay runs from a stage change to the opportunity's next one (SQL window function
    ``LEAD``); the stay in an open opportunity's current stage runs until now. A closed
    opportunity's last change enters its won or lost stage, so every stay in an open
    stage without a next change is the current stay of an open opportunity: no join
    with the opportunities is needed.
    """
    require(uow, ENTITY, "read")
    name, spec = pipeline_spec(uow.app, pipeline)
    stages = [s.name for s in spec.open_stages]
    following = func.lead(StageChange.changed_at).over(
        partition_by=StageChange.opportunity_id, order_by=(StageChange.changed_at, StageChange.id))
    stays = select(StageChange.pipeline.label("pipeline"), StageChange.to_stage.label("stage"),
                   StageChange.changed_at.label("at"), following.label("next_at")).subquery()
    until = func.coalesce(stays.c.next_at, literal(uow.now, UTCDateTime()))
    query = (select(stays.c.stage, func.count(), func.sum(days_between(uow, until, stays.c.at)))
             .where(stays.c.pipeline == name, stays.c.stage.in_(stages))
             .group_by(stays.c.stage))
    return {stage: (int(n), _avg(total, int(n))) for stage, n, total in uow.session.exec(query)}


# ----------------------------------------------------------------------------- sales cycle


@dataclass(frozen=True)
class CycleRow:
    """Closed opportunities of one group and the average days from creation to close."""

    key: Any
    label: str
    won: int
    lost: int
    avg_days_won: float | None
    avg_days_lost: float | None
    avg_days: float | None


def sales_cycle(
    uow: UnitOfWork, *, by: str = "owner", start: dt.date | str | None = None,
    end: dt.date | str | None = None, pipeline: str | None = None,
) -> list[CycleRow]:
    """Sales-cycle length (creation to close) of closed opportunities, by a dimension."""
    require(uow, ENTITY, "read")
    _choice("by", by, CYCLE_BY)
    days = days_between(uow, Opportunity.closed_at, Opportunity.created_at)
    is_won, is_lost = Opportunity.status == "won", Opportunity.status == "lost"
    query, key = _grouped(
        by, func.sum(case((is_won, 1), else_=0)), func.sum(case((is_lost, 1), else_=0)),
        func.sum(case((is_won, days), else_=0)), func.sum(case((is_lost, days), else_=0)),
    )
    start, end = _date("start", start), _date("end", end)
    query = _filters(query.where(_status(CLOSED, start, end)), start, end, pipeline)
    rows = uow.session.exec(query.group_by(*key)).all()
    labels = _labels(uow, by, {r[0] for r in rows})
    result = []
    for k, won, lost, won_days, lost_days in rows:
        won, lost = int(won or 0), int(lost or 0)
        both = (won_days or 0) + (lost_days or 0)
        result.append(CycleRow(k, labels[k], won, lost, _avg(won_days, won), _avg(lost_days, lost),
                               _avg(both, won + lost)))
    return sorted(result, key=lambda r: r.label)


# ----------------------------------------------------------------------------- reports


def _plain(row: Any) -> dict[str, Any]:
    data = asdict(row)
    for name in ("win_rate", "conversion"):
        if hasattr(row, name):
            data[name] = getattr(row, name)
    return data


def forecast_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``sales.forecast``: options period, by, start, end, pipeline."""
    rows = forecast(uow, **options)
    return {"report": "sales.forecast", "period": options.get("period", "quarter"),
            "by": options.get("by", "owner"), "rows": [_plain(r) for r in rows]}


def win_loss_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``sales.win_loss``: options by, start, end, pipeline."""
    rows = win_loss(uow, **options)
    return {"report": "sales.win_loss", "by": options.get("by", "owner"),
            "rows": [_plain(r) for r in rows]}


def funnel_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``sales.funnel``: option pipeline."""
    return {"report": "sales.funnel", "rows": [_plain(r) for r in funnel(uow, **options)]}


def cycle_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``sales.cycle``: options by, start, end, pipeline."""
    rows = sales_cycle(uow, **options)
    return {"report": "sales.cycle", "by": options.get("by", "owner"),
            "rows": [_plain(r) for r in rows]}


def register_reports(register: Callable[..., None]) -> None:
    """The reports ``guanxi report run`` knows (the same figures as ``sales report …``)."""
    register("sales.forecast", forecast_report,
             description="weighted pipeline and won business by period and owner/team")
    register("sales.win_loss", win_loss_report,
             description="win rate by owner, team, source, competitor, pipeline or stage")
    register("sales.funnel", funnel_report,
             description="per-stage conversion, losses and time in stage")
    register("sales.cycle", cycle_report, description="days from creation to close")
