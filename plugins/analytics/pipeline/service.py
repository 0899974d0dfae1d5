"""Sales-cycle analytics from the interaction log: funnel, time in stage, win rate, cycle.

Everything is read from what the sales plugin (or whichever plugin the settings name)
logged — ``opportunity_created`` (with the first stage), ``stage_changed`` (``to_stage``),
``opportunity_won`` and ``opportunity_lost`` — never from its tables, so the analysis runs
whether or not sales is enabled (without it there are no such entries: "no data").

Definitions (docs/plugins/analytics/pipeline.md has the worked example):

* **Funnel** — the opportunities *created* in the period, followed to the period's end.
  An opportunity *reached* open stage k when its furthest stage is k or later (a skipped
  stage counts as passed, as in a CRM's cumulative funnel) or when it was won. Step
  conversion of k = reached(k) / reached(k−1); cumulative = reached(k) / reached(first).
  Stage success ratio, REQUIREMENTS §7.5 [S002:185].
* **Time in stage** — from the entry that put an opportunity in a stage to its next entry
  (a stage change, a win or a loss), for stays that *ended* in the period; the stays still
  open at the period's end are counted with their age so far. REQUIREMENTS §5.1.
* **Win rate** — won / (won + lost) among the opportunities closed in the period.
* **Sales cycle** — days from creation to win, for the opportunities won in the period.

Each figure is a handful of GROUP BY statements (window functions ``ROW_NUMBER``/``LEAD``
over ``(opportunity, occurred_at)``); ORM selects of interactions, so the acting
principal's record policies apply: a user sees the pipeline of the customers he may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, and_, case, cast, distinct, func, literal, select
from sqlalchemy.sql import Subquery

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import UTCDateTime
from guanxi.inputs import parse_choice
from guanxi.models import Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.pipeline.settings import PipelineSettings
from guanxi_analytics.settings import analytics_settings
from guanxi_analytics.sql import (
    days_between,
    int_field,
    kinds_in,
    median_by,
    month_bucket,
    ratio,
    rounded,
    text_field,
)

WIN_RATE_BY = ("all", "owner", "source", "pipeline", "month")
CYCLE_BY = ("all", "owner", "source", "pipeline")
NO_VALUE = "-"
CENT = Decimal("0.01")


def _settings(uow: UnitOfWork) -> PipelineSettings:
    require(uow, "interaction", "read")
    return analytics_settings(uow).pipeline


EXTRA_FIELDS = ("owner", "source", "reason", "amount")


def _events(uow: UnitOfWork, s: PipelineSettings, period: Period,
            *extra: str) -> Subquery:
    """Every opportunity entry logged before the period's end: ``(opp, pipeline, stage,
    kind, at, id)`` and the ``extra`` payload fields of :data:`EXTRA_FIELDS` asked for.

    Only the fields a statement needs are read: each is a JSON extraction per row."""
    _, end = period.utc_bounds(uow.app.tz)
    opp = int_field(s.opportunity_field)
    stage = case((Interaction.kind == s.stage_changed_kind, text_field(s.to_stage_field)),
                 else_=text_field(s.stage_field))
    fields = {"owner": s.owner_field, "source": s.source_field, "reason": s.reason_field,
              "amount": s.amount_field}
    columns = [
        opp.label("opp"),
        func.coalesce(text_field(s.pipeline_field), NO_VALUE).label("pipeline"),
        func.coalesce(stage, NO_VALUE).label("stage"),
        Interaction.kind.label("kind"), Interaction.occurred_at.label("at"),
        Interaction.id.label("id"),
    ]
    for name in extra:
        value = text_field(fields[name])
        columns.append((value if name == "amount" else func.coalesce(value, NO_VALUE))
                       .label(name))
    return (select(*columns)
            .where(kinds_in([s.created_kind, s.stage_changed_kind, s.won_kind, s.lost_kind]),
                   Interaction.occurred_at < end, opp.isnot(None))
            .subquery("opp_event"))


def _entries(events: Any, s: PipelineSettings) -> Any:
    """The entries that put an opportunity in an open stage (created, stage changed)."""
    return events.c.kind.in_([s.created_kind, s.stage_changed_kind])


def _order(s: PipelineSettings, mean_entry: dict[tuple[str, str], float]
           ) -> dict[str, list[str]]:
    """The open stages of each pipeline in funnel order, from the average entry number
    of each ``(pipeline, stage)``.

    The settings' ``stage_order`` comes first; other stages follow by their average
    entry number (1 for the stage an opportunity was created in, 2 for the next …),
    so the order the data shows is the order the funnel uses.
    """
    found: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (pipeline, stage), mean in mean_entry.items():
        found[pipeline].append((mean, stage))
    order: dict[str, list[str]] = {}
    for pipeline, stages in sorted(found.items()):
        names = {name for _, name in stages}
        configured = [x for x in s.stage_order.get(pipeline, []) if x in names]
        order[pipeline] = configured + [name for _, name in sorted(stages)
                                        if name not in configured]
    return order


@dataclass(frozen=True)
class FunnelStep:
    """One row of the funnel: an open stage, or the won step at the end."""

    pipeline: str
    position: int
    stage: str
    entered: int  # opportunities with an entry into this very stage
    reached: int  # … at this stage or later, or won
    step_conversion: float | None  # reached / reached of the previous step
    cumulative_conversion: float | None  # reached / reached of the first step

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data."""
        return asdict(self)


def funnel(uow: UnitOfWork, period: Period, pipeline: str | None = None) -> list[FunnelStep]:
    """The funnel of the opportunities created in ``period``, per pipeline (or one).

    Two statements over the cohort's entries: one numbers each opportunity's entries
    (``ROW_NUMBER``) and counts, per stage, the opportunities that entered it and their
    average entry number (the stage order) and, per pipeline, the won ones; the other
    takes each opportunity's furthest step (``MAX`` of the stage positions) and counts
    the opportunities per furthest step.
    """
    s = _settings(uow)
    start, _ = period.utc_bounds(uow.app.tz)
    events = _events(uow, s, period)
    cohort = select(events.c.opp).where(events.c.kind == s.created_kind, events.c.at >= start)
    in_cohort = events.c.opp.in_(cohort.scalar_subquery())
    if pipeline is not None:
        in_cohort = and_(in_cohort, events.c.pipeline == pipeline)
    number = func.row_number().over(partition_by=events.c.opp,
                                    order_by=(events.c.at, events.c.id))
    numbered = (select(events.c.opp, events.c.pipeline, events.c.stage, events.c.kind,
                       number.label("n"))
                .where(in_cohort, events.c.kind != s.lost_kind).subquery("numbered"))
    won_flag = case((numbered.c.kind == s.won_kind, 1), else_=0)
    mean_entry: dict[tuple[str, str], float] = {}
    entered: dict[tuple[str, str], int] = {}
    won: dict[str, tuple[int, str]] = {}
    for name, stage, is_won, mean, count in uow.session.exec(
            select(numbered.c.pipeline, numbered.c.stage, won_flag, func.avg(numbered.c.n),
                   func.count(distinct(numbered.c.opp)))
            .group_by(numbered.c.pipeline, numbered.c.stage, won_flag)):
        if is_won:
            previous = won.get(name, (0, stage))
            won[name] = (previous[0] + count, max(previous[1], stage))
        else:
            mean_entry[(name, stage)] = float(mean)
            entered[(name, stage)] = count
    order = _order(s, mean_entry)
    if not order:
        return []
    position = case(*[
        (and_(events.c.pipeline == name, events.c.stage == stage), index)
        for name, stages in order.items() for index, stage in enumerate(stages)
    ], *[
        (and_(events.c.pipeline == name, events.c.kind == s.won_kind), len(stages))
        for name, stages in order.items()
    ], else_=None)
    furthest = (select(events.c.pipeline, func.max(position).label("far"))
                .where(in_cohort, events.c.kind != s.lost_kind)
                .group_by(events.c.opp, events.c.pipeline).subquery("furthest"))
    reach: dict[str, dict[int, int]] = defaultdict(dict)
    for name, far, count in uow.session.exec(
            select(furthest.c.pipeline, furthest.c.far, func.count())
            .group_by(furthest.c.pipeline, furthest.c.far)):
        if far is not None:
            reach[name][int(far)] = count
    steps: list[FunnelStep] = []
    for name, stages in order.items():
        won_count, won_stage = won.get(name, (0, "won"))
        counts = [entered.get((name, stage), 0) for stage in stages] + [won_count]
        first = sum(reach[name].values())
        previous = None
        for index, label in enumerate([*stages, won_stage]):
            reached = sum(n for far, n in reach[name].items() if far >= index)
            steps.append(FunnelStep(
                pipeline=name, position=index + 1, stage=label, entered=counts[index],
                reached=reached,
                step_conversion=None if previous is None else ratio(reached, previous),
                cumulative_conversion=ratio(reached, first)))
            previous = reached
    return steps


def overall_conversion(uow: UnitOfWork, period: Period) -> float | None:
    """Won / created among the opportunities created in ``period`` (all pipelines)."""
    steps = funnel(uow, period)
    firsts = sum(step.reached for step in steps if step.position == 1)
    last_of: dict[str, FunnelStep] = {}
    for step in steps:
        last_of[step.pipeline] = step
    return ratio(sum(step.reached for step in last_of.values()), firsts)


@dataclass(frozen=True)
class StageTime:
    """How long opportunities stayed in one stage."""

    pipeline: str
    stage: str
    stays: int  # stays that ended in the period
    mean_days: float | None
    median_days: float | None
    max_days: float | None
    open_now: int  # opportunities in the stage at the period's end
    open_mean_age_days: float | None

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data."""
        return asdict(self)


def time_in_stage(uow: UnitOfWork, period: Period) -> list[StageTime]:
    """Mean, median and longest stay per stage (stays that ended in ``period``), and the
    opportunities still in each stage at its end with their mean age.

    One statement: a CTE numbers each opportunity's entries and gives each its next
    entry's time (``ROW_NUMBER`` and ``LEAD`` over the same window, so one sort); one
    GROUP BY over it gives the stage order, the ended stays and the open ones, a second
    window over the ended stays their median, joined per stage.
    """
    s = _settings(uow)
    start, end = period.utc_bounds(uow.app.tz)
    events = _events(uow, s, period)
    window = {"partition_by": events.c.opp, "order_by": (events.c.at, events.c.id)}
    seq = (select(events.c.pipeline, events.c.stage, events.c.kind, events.c.at,
                  func.lead(events.c.at).over(**window).label("next_at"),
                  func.row_number().over(**window).label("n"))
           .cte("seq"))
    entries = _entries(seq, s)
    ended = seq.c.next_at >= start
    days = days_between(uow, seq.c.next_at, seq.c.at)
    age = days_between(uow, literal(min(uow.now, end), UTCDateTime), seq.c.at)
    still = seq.c.next_at.is_(None)
    totals = (select(
        seq.c.pipeline, seq.c.stage, func.avg(seq.c.n).label("mean_entry"),
        func.sum(case((ended, 1), else_=0)).label("stays"),
        func.avg(case((ended, days))).label("mean_days"),
        func.max(case((ended, days))).label("max_days"),
        func.sum(case((still, 1), else_=0)).label("open_now"),
        func.avg(case((still, age))).label("open_age"))
        .where(entries).group_by(seq.c.pipeline, seq.c.stage).subquery("totals"))
    stays = (select(seq.c.pipeline, seq.c.stage, days.label("days"))
             .where(entries, ended).subquery("stay"))
    medians = median_by(stays, ["pipeline", "stage"], "days").subquery("median")
    query = (select(totals, medians.c[2])
             .outerjoin(medians, and_(medians.c.k0 == totals.c.pipeline,
                                      medians.c.k1 == totals.c.stage)))
    found = {(row[0], row[1]): row for row in uow.session.exec(query)}
    order = _order(s, {key: float(row[2]) for key, row in found.items()})
    rows = []
    for pipeline, stages in order.items():
        for stage in stages:
            _, _, _, n, mean, top, waiting, open_age, median = found[(pipeline, stage)]
            if n or waiting:
                rows.append(StageTime(pipeline, stage, int(n or 0), rounded(mean),
                                      rounded(median), rounded(top), int(waiting or 0),
                                      rounded(open_age)))
    return rows


@dataclass(frozen=True)
class WinRate:
    """Opportunities closed in the period, by one dimension."""

    group: str
    won: int
    lost: int
    win_rate: float | None
    won_amount: Decimal  # the won opportunities' logged amounts

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data."""
        return {**asdict(self), "won_amount": str(self.won_amount)}


def _dimension(uow: UnitOfWork, source: Subquery, by: str,
               period: Period) -> tuple[Any, Callable[[Any], str]]:
    if by == "month":
        bucket, labels = month_bucket(uow, source.c.at, period)
        return bucket, lambda key: labels[int(key)]
    if by == "all":
        return None, lambda key: "all"
    return source.c[by], str


def win_rate(uow: UnitOfWork, period: Period, by: str = "all") -> list[WinRate]:
    """Won / (won + lost) of the opportunities closed in ``period``, grouped ``by`` one of
    :data:`WIN_RATE_BY` (``month``: every month of the period, with a gap as None)."""
    by = parse_choice(by, WIN_RATE_BY, "by")
    s = _settings(uow)
    start, _ = period.utc_bounds(uow.app.tz)
    events = _events(uow, s, period, *(["amount"] + ([by] if by in EXTRA_FIELDS else [])))
    closed = select(events).where(events.c.kind.in_([s.won_kind, s.lost_kind]),
                                  events.c.at >= start).subquery("closed")
    key, label = _dimension(uow, closed, by, period)
    is_won = closed.c.kind == s.won_kind
    columns = [func.count(distinct(case((is_won, closed.c.opp)))),
               func.count(distinct(case((closed.c.kind == s.lost_kind, closed.c.opp)))),
               func.sum(case((is_won, cast(closed.c.amount, Float)), else_=0.0))]
    query = select(key.label("key"), *columns) if key is not None else select(
        literal("all").label("key"), *columns)
    if key is not None:
        query = query.group_by(key)
    rows = {}
    for group, won, lost, amount in uow.session.exec(query):
        if won + lost:
            rows[label(group)] = WinRate(label(group), won, lost, ratio(won, won + lost),
                                         _amount(amount))
    if by == "month":
        _, labels = month_bucket(uow, closed.c.at, period)
        return [rows.get(m, WinRate(m, 0, 0, None, Decimal("0.00"))) for m in labels]
    return sorted(rows.values(), key=lambda r: (-(r.won + r.lost), r.group))


def _amount(value: Any) -> Decimal:
    # The payload's amounts are decimal text, summed as floats in SQL (SQLite has no
    # decimal type): exact to the cent for any realistic pipeline, shown as money.
    return Decimal(str(round(float(value or 0), 2))).quantize(CENT)


@dataclass(frozen=True)
class LossReason:
    """Why opportunities were lost in the period."""

    reason: str
    lost: int
    share: float | None

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data."""
        return asdict(self)


def loss_reasons(uow: UnitOfWork, period: Period) -> list[LossReason]:
    """Opportunities lost in ``period`` by logged reason, most frequent first."""
    s = _settings(uow)
    start, _ = period.utc_bounds(uow.app.tz)
    events = _events(uow, s, period, "reason")
    rows = uow.session.exec(
        select(events.c.reason, func.count(distinct(events.c.opp)))
        .where(events.c.kind == s.lost_kind, events.c.at >= start)
        .group_by(events.c.reason)).all()
    total = sum(n for _, n in rows)
    return sorted((LossReason(reason, n, ratio(n, total)) for reason, n in rows),
                  key=lambda r: (-r.lost, r.reason))


@dataclass(frozen=True)
class Cycle:
    """Days from creation to win of the opportunities won in the period."""

    group: str
    won: int
    mean_days: float | None
    median_days: float | None
    min_days: float | None
    max_days: float | None

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data."""
        return asdict(self)


def sales_cycle(uow: UnitOfWork, period: Period, by: str = "all") -> list[Cycle]:
    """Creation → win in days of the opportunities won in ``period``, grouped ``by`` one
    of :data:`CYCLE_BY` (the won entry's owner, source or pipeline)."""
    by = parse_choice(by, CYCLE_BY, "by")
    s = _settings(uow)
    start, _ = period.utc_bounds(uow.app.tz)
    events = _events(uow, s, period, *([by] if by in EXTRA_FIELDS else []))
    created = (select(events.c.opp, func.min(events.c.at).label("created_at"))
               .where(events.c.kind == s.created_kind).group_by(events.c.opp)
               .subquery("created"))
    won = (select(events.c.opp, *([events.c[by]] if by in EXTRA_FIELDS else []),
                  events.c.pipeline,
                  days_between(uow, events.c.at, created.c.created_at).label("days"))
           .join(created, created.c.opp == events.c.opp)
           .where(events.c.kind == s.won_kind, events.c.at >= start).subquery("won"))
    key = None if by == "all" else won.c[by]
    aggregates = [func.count(), func.avg(won.c.days), func.min(won.c.days),
                  func.max(won.c.days)]
    if key is None:
        query = select(literal("all"), *aggregates)
        medians = {"all": uow.session.exec(median_by(won, [], "days")).scalar()}
    else:
        query = select(key, *aggregates).group_by(key)
        medians = {str(k): m for k, m in uow.session.exec(median_by(won, [by], "days"))}
    rows = [Cycle(str(group), n, rounded(mean), rounded(medians.get(str(group))),
                  rounded(low), rounded(high))
            for group, n, mean, low, high in uow.session.exec(query) if n]
    return sorted(rows, key=lambda r: (-r.won, r.group))
