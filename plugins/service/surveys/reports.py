"""The surveys area's reports: satisfaction (CSAT, NPS, response rate), the satisfaction
factor analysis (满意度因素分析) and the complaint resolved-to-satisfaction rate.

Every figure is read through ORM selects of the survey and ticket entities, so a user sees
figures over the customers they may see. Periods are calendar periods in the edition's time
zone; ``start`` and ``end`` are dates, both included.

Definitions (as in the docs):

* response rate = answered / surveys sent (a survey belongs to the period it was sent in);
* CSAT = the average of the 1–5 answers; % satisfied = share of answers ≥
  ``satisfied_csat_at_least``;
* NPS = % promoters (9–10) − % detractors (0–6) of the NPS answers, from −100 to 100;
* factor analysis: per factor, its average among satisfied and among other answers, the
  difference, and Pearson's correlation with CSAT (higher: the factor moves satisfaction);
* complaint resolution = complaints resolved in the period whose survey was answered
  satisfied / those resolved with an answer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import ValidationError
from guanxi.models import Team
from guanxi_service.surveys.common import SURVEY, survey_settings
from guanxi_service.surveys.models import Survey
from guanxi_service.tickets.models import Ticket

PERIODS = ("day", "week", "month", "quarter", "year")
GROUPINGS = ("period", "team", "channel", "source", "total")
TICKET = "service.ticket"


def _date(value: Any, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"not a date (YYYY-MM-DD): {value!r}") from None


def _bounds(uow: UnitOfWork, start: Any, end: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    first, last = _date(start, "start"), _date(end, "end")
    if first and last and last < first:
        raise ValidationError("end", f"{last} is before the start {first}")
    tz = uow.app.tz

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)

    return (at(first) if first else None,
            at(last + dt.timedelta(days=1)) if last else None)


def period_label(moment: dt.datetime, period: str, tz: dt.tzinfo) -> str:
    """The calendar period of ``moment`` seen in ``tz``: 2026-03-02, 2026-W10, 2026-03,
    2026-Q1, 2026."""
    day = moment.astimezone(tz).date()
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _choice(value: str, allowed: Iterable[str], field: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValidationError(field, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def nps_of(scores: list[int]) -> float | None:
    """Net promoter score of 0–10 answers: % promoters (9–10) − % detractors (0–6)."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


def _team_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = uow.session.exec(select(Team.id, Team.name).where(col(Team.id).in_(sorted(ids))))
    return {tid: name for tid, name in rows}


def _team_id(uow: UnitOfWork, team: int | str | None) -> int | None:
    if team is None or str(team).strip() == "":
        return None
    text = str(team).strip()
    query = select(Team.id).where(Team.id == int(text) if text.isdigit() else Team.name == text)
    found = uow.session.execute(query).scalar()
    if found is None:
        raise ValidationError("team", f"no team {text!r}")
    return int(found)


def satisfaction(
    uow: UnitOfWork, *, start: Any = None, end: Any = None, by: str = "period",
    period: str = "month", team: int | str | None = None, channel: str | None = None,
) -> dict[str, Any]:
    """CSAT, % satisfied, NPS and response rate of the surveys sent between ``start`` and
    ``end``, grouped ``by`` period, team, channel or source, with a total row."""
    require(uow, SURVEY, "read")
    _choice(by, GROUPINGS, "by")
    _choice(period, PERIODS, "period")
    low, high = _bounds(uow, start, end)
    team_id = _team_id(uow, team)
    settings = survey_settings(uow.app)
    query = select(Survey.sent_at, Survey.status, Survey.csat, Survey.nps, Survey.poor,
                   Survey.team_id, Survey.channel, Survey.source
                   ).where(col(Survey.sent_at).is_not(None))
    if low:
        query = query.where(col(Survey.sent_at) >= low)
    if high:
        query = query.where(col(Survey.sent_at) < high)
    if team_id is not None:
        query = query.where(Survey.team_id == team_id)
    if channel is not None:
        query = query.where(Survey.channel == channel)
    rows = uow.session.exec(query).all()
    teams = _team_names(uow, {r.team_id for r in rows if r.team_id is not None})
    tz = uow.app.tz
    keys: dict[str, Callable[[Any], str]] = {
        "period": lambda r: period_label(r.sent_at, period, tz),
        "team": lambda r: teams.get(r.team_id, "(no team)") if r.team_id else "(no team)",
        "channel": lambda r: r.channel, "source": lambda r: r.source,
        "total": lambda r: "total",
    }
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        groups[keys[by](row)].append(row)
    result = [_figures(key, group, settings.satisfied_csat_at_least)
              for key, group in sorted(groups.items())]
    return {"report": "service.satisfaction", "by": by, "period": period,
            "start": _date(start, "start"), "end": _date(end, "end"), "rows": result,
            "total": _figures("total", list(rows), settings.satisfied_csat_at_least)}


def _figures(key: str, rows: list[Any], satisfied_at: int) -> dict[str, Any]:
    answered = [r for r in rows if r.status == "answered"]
    csat = [r.csat for r in answered if r.csat is not None]
    nps = [r.nps for r in answered if r.nps is not None]
    return {
        "group": key, "sent": len(rows), "answered": len(answered),
        "expired": sum(1 for r in rows if r.status == "expired"),
        "response_rate": _pct(len(answered), len(rows)),
        "csat_average": _mean(csat),
        "satisfied_pct": _pct(sum(1 for c in csat if c >= satisfied_at), len(csat)),
        "nps_answers": len(nps), "promoters": sum(1 for s in nps if s >= 9),
        "passives": sum(1 for s in nps if 7 <= s <= 8),
        "detractors": sum(1 for s in nps if s <= 6), "nps": nps_of(nps),
        "poor": sum(1 for r in answered if r.poor),
    }


def _pearson(xs: list[int], ys: list[int]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None  # a constant column says nothing about what moves satisfaction
    return round(sxy / math.sqrt(sxx * syy), 3)


def satisfaction_factors(
    uow: UnitOfWork, *, start: Any = None, end: Any = None, team: int | str | None = None,
) -> dict[str, Any]:
    """满意度因素分析: each factor's average, its average among satisfied answers (CSAT ≥
    the satisfied threshold) and among the others, the difference and the correlation with
    CSAT; factors ranked by correlation (the strongest driver first)."""
    require(uow, SURVEY, "read")
    low, high = _bounds(uow, start, end)
    team_id = _team_id(uow, team)
    settings = survey_settings(uow.app)
    query = select(Survey.csat, Survey.factors).where(Survey.status == "answered")
    if low:
        query = query.where(col(Survey.answered_at) >= low)
    if high:
        query = query.where(col(Survey.answered_at) < high)
    if team_id is not None:
        query = query.where(Survey.team_id == team_id)
    answers = [(csat, factors or {}) for csat, factors in uow.session.exec(query)
               if csat is not None]
    satisfied_at = settings.satisfied_csat_at_least
    keys = list(settings.factors) + sorted(
        {k for _, f in answers for k in f} - set(settings.factors))
    rows = []
    for key in keys:
        pairs = [(f[key], csat) for csat, f in answers if key in f]
        scores = [s for s, _ in pairs]
        happy = [s for s, c in pairs if c >= satisfied_at]
        unhappy = [s for s, c in pairs if c < satisfied_at]
        mean_happy, mean_unhappy = _mean(happy), _mean(unhappy)
        rows.append({
            "factor": key, "label": settings.factors.get(key, key), "answers": len(pairs),
            "average": _mean(scores), "satisfied_average": mean_happy,
            "dissatisfied_average": mean_unhappy,
            "difference": (round(mean_happy - mean_unhappy, 3)
                           if mean_happy is not None and mean_unhappy is not None else None),
            "correlation": _pearson(scores, [c for _, c in pairs]),
        })
    rows.sort(key=lambda r: (r["correlation"] is None, -(r["correlation"] or 0), r["factor"]))
    return {"report": "service.satisfaction_factors", "start": _date(start, "start"),
            "end": _date(end, "end"), "answers": len(answers),
            "satisfied": sum(1 for c, _ in answers if c >= satisfied_at), "factors": rows}


def complaint_resolution(
    uow: UnitOfWork, *, start: Any = None, end: Any = None, period: str = "month",
) -> dict[str, Any]:
    """Complaints resolved to the customer's satisfaction (投诉是否得到满意解决): per period
    of resolution, complaint tickets resolved, those with an answered survey, those answered
    satisfied, and satisfied / answered."""
    require(uow, SURVEY, "read")
    require(uow, TICKET, "read")
    _choice(period, PERIODS, "period")
    low, high = _bounds(uow, start, end)
    settings = survey_settings(uow.app)
    query = select(Ticket.id, Ticket.resolved_at).where(
        Ticket.type == "complaint", col(Ticket.resolved_at).is_not(None))
    if low:
        query = query.where(col(Ticket.resolved_at) >= low)
    if high:
        query = query.where(col(Ticket.resolved_at) < high)
    tickets = uow.session.exec(query).all()
    answers: dict[int, int] = {}
    ids = [t.id for t in tickets]
    for chunk in chunks(ids):
        rows = uow.session.exec(
            # The survey of the ticket itself wins over one of a visit that followed it.
            select(Survey.ticket_id, Survey.csat).where(
                col(Survey.ticket_id).in_(chunk), Survey.status == "answered")
            .order_by(col(Survey.source).desc()))
        answers.update({tid: csat for tid, csat in rows if csat is not None})
    tz = uow.app.tz
    groups: dict[str, list[int]] = defaultdict(list)
    for ticket_id, resolved_at in tickets:
        groups[period_label(resolved_at, period, tz)].append(ticket_id)

    def figures(key: str, members: list[int]) -> dict[str, Any]:
        answered = [answers[t] for t in members if t in answers]
        satisfied = sum(1 for c in answered if c >= settings.satisfied_csat_at_least)
        return {"group": key, "resolved": len(members), "answered": len(answered),
                "satisfied": satisfied, "rate": _pct(satisfied, len(answered))}

    return {"report": "service.complaint_resolution", "period": period,
            "start": _date(start, "start"), "end": _date(end, "end"),
            "rows": [figures(k, v) for k, v in sorted(groups.items())],
            "total": figures("total", [t for t, _ in tickets])}


def _jsonable(result: dict[str, Any]) -> dict[str, Any]:
    from guanxi.cli.output import to_jsonable

    return to_jsonable(result)


def register_reports(register: Callable[..., None]) -> None:
    """``service.satisfaction``, ``service.satisfaction_factors``,
    ``service.complaint_resolution``."""
    register("service.satisfaction", lambda uow, **o: _jsonable(satisfaction(uow, **o)),
             description="survey CSAT, % satisfied, NPS and response rate by period, "
                         "team, channel")
    register("service.satisfaction_factors",
             lambda uow, **o: _jsonable(satisfaction_factors(uow, **o)),
             description="满意度因素分析: which factors separate satisfied answers")
    register("service.complaint_resolution",
             lambda uow, **o: _jsonable(complaint_resolution(uow, **o)),
             description="complaints resolved to the customer's satisfaction, by period")
