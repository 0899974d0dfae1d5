"""NPS and CSAT from the survey answers in the log, by month, channel, team or the
customer's value tier or RFM segment.

Definitions (as in ``docs/plugins/analytics/loyalty.md``):

* NPS = % promoters (9–10) − % detractors (0–6) of the 0–10 answers, from −100 to 100
  (Reichheld 2003, "The One Number You Need to Grow"); passives are 7–8. Willingness to
  recommend is the key loyalty marker [S004:179].
* CSAT = the share of answers ≥ ``csat_satisfied_at_least`` (4 of 1–5) and the mean
  answer; satisfaction is perception against expectation [S004:867].

Each figure is one GROUP BY (bucket, score) in the database over the survey kinds'
interactions; answers outside the scale are left out. Corrections are not answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, literal, literal_column, select
from sqlmodel import col

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.loyalty.settings import LoyaltySettings
from guanxi_analytics.settings import analytics_settings

GROUPINGS = ("month", "channel", "team", "tier", "rfm_segment", "total")
VALUE_GROUPINGS = ("tier", "rfm_segment")  # the value area's classification of the customer
NONE = "(none)"
TOTAL = "total"


def month_bucket(uow: UnitOfWork, period: Period) -> Any:
    """A SQL expression giving the local calendar month (``2026-03``) of an interaction
    inside ``period``: a CASE over the months' UTC bounds, the same on every database."""
    tz = uow.app.tz
    months = list(period.months())
    bounds = [Period(m, m + dt.timedelta(days=1)).utc_bounds(tz)[0] for m in months[1:]]
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    if len(labels) == 1:
        return literal(labels[0])
    return case(*[(col(Interaction.occurred_at) < b, labels[i]) for i, b in enumerate(bounds)],
                else_=labels[-1])


def month_labels(period: Period) -> list[str]:
    """The labels :func:`month_bucket` gives, in order."""
    return [f"{m.year}-{m.month:02d}" for m in period.months()]


def _bucket(uow: UnitOfWork, period: Period, by: str, settings: LoyaltySettings) -> Any:
    if by == "month":
        return month_bucket(uow, period)
    if by == "channel":
        return Interaction.channel
    if by in VALUE_GROUPINGS:
        from guanxi_analytics.value.models import CustomerValue

        return getattr(CustomerValue, by)
    if by == "team":
        if not settings.team_field:
            raise ValidationError("by", "no team field is configured "
                                  "([analytics.loyalty] team_field)")
        return Interaction.payload[settings.team_field].as_string()  # type: ignore[index]
    return literal(TOTAL)


def score_counts(
    uow: UnitOfWork, period: Period, field: str, low: int, high: int, by: str,
) -> dict[str, dict[int, int]]:
    """``{group: {score: answers}}`` of the survey kinds' payload ``field`` in the period."""
    if by not in GROUPINGS:
        raise ValidationError("by", f"{by!r} is not one of {', '.join(GROUPINGS)}")
    settings = analytics_settings(uow).loyalty
    start, end = period.utc_bounds(uow.app.tz)
    score = Interaction.payload[field].as_integer()  # type: ignore[index]
    bucket = _bucket(uow, period, by, settings).label("loyalty_bucket")
    # Grouped by the output names: PostgreSQL would not match the CASE's and the JSON
    # path's bound parameters in SELECT against the same expressions in GROUP BY.
    query = (
        select(bucket, score.label("loyalty_score"), func.count())
        .where(col(Interaction.kind).in_(settings.survey_kinds),
               col(Interaction.corrects_id).is_(None),
               col(Interaction.occurred_at) >= start, col(Interaction.occurred_at) < end,
               score >= low, score <= high)
        .group_by(literal_column("loyalty_bucket"), literal_column("loyalty_score"))
    )
    if by in VALUE_GROUPINGS:  # answers of customers not classified yet go to "(none)"
        from guanxi_analytics.value.models import CustomerValue

        query = query.select_from(Interaction).outerjoin(
            CustomerValue, CustomerValue.customer_id == Interaction.customer_id)
    found: dict[str, dict[int, int]] = {}
    for group, value, n in uow.session.execute(query):
        found.setdefault(NONE if group is None else str(group), {})[int(value)] = n
    return found


@dataclass(frozen=True)
class NpsRow:
    """NPS of one group of answers."""

    group: str
    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def promoter_pct(self) -> float:
        """Promoters as a percentage of the answers."""
        return round(100 * self.promoters / self.answers, 1)

    @property
    def passive_pct(self) -> float:
        """Passives as a percentage of the answers."""
        return round(100 * self.passives / self.answers, 1)

    @property
    def detractor_pct(self) -> float:
        """Detractors as a percentage of the answers."""
        return round(100 * self.detractors / self.answers, 1)

    @property
    def nps(self) -> float:
        """% promoters − % detractors (from the counts, then rounded to 0.1)."""
        return round(100 * (self.promoters - self.detractors) / self.answers, 1)

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return {"group": self.group, "answers": self.answers, "promoters": self.promoters,
                "passives": self.passives, "detractors": self.detractors,
                "promoter_pct": self.promoter_pct, "passive_pct": self.passive_pct,
                "detractor_pct": self.detractor_pct, "nps": self.nps}


def _nps_row(group: str, counts: dict[int, int]) -> NpsRow:
    return NpsRow(group, sum(counts.values()),
                  sum(n for s, n in counts.items() if s >= 9),
                  sum(n for s, n in counts.items() if 7 <= s <= 8),
                  sum(n for s, n in counts.items() if s <= 6))


TIER_ORDER = ("high", "medium", "low", "zero", "negative")


def _ordered(groups: dict[str, Any], by: str, period: Period) -> list[str]:
    if by == "month":
        return [m for m in month_labels(period) if m in groups]
    if by == "tier":
        return sorted(groups, key=lambda g: (TIER_ORDER.index(g) if g in TIER_ORDER
                                             else len(TIER_ORDER), g == NONE, g))
    return sorted(groups, key=lambda g: (g == NONE, g))


def _merge(found: dict[str, dict[int, int]]) -> dict[int, int]:
    total: dict[int, int] = {}
    for counts in found.values():
        for score, n in counts.items():
            total[score] = total.get(score, 0) + n
    return total


def nps(uow: UnitOfWork, period: Period, *, by: str = "month") -> list[NpsRow]:
    """NPS per group (months in order, others by name) and a last ``total`` row; empty
    when no answer in the period has a 0–10 score."""
    settings = analytics_settings(uow).loyalty
    found = score_counts(uow, period, settings.nps_field, 0, 10, by)
    if not found:
        return []
    rows = [_nps_row(g, found[g]) for g in _ordered(found, by, period)]
    if by != "total":
        rows.append(_nps_row(TOTAL, _merge(found)))
    return rows


@dataclass(frozen=True)
class CsatRow:
    """CSAT of one group of answers."""

    group: str
    answers: int
    satisfied: int
    score_sum: int

    @property
    def satisfied_share(self) -> float:
        """Satisfied answers / answers, a fraction 0..1."""
        return round(self.satisfied / self.answers, 4)

    @property
    def mean(self) -> float:
        """The mean answer."""
        return round(self.score_sum / self.answers, 3)

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return {"group": self.group, "answers": self.answers, "satisfied": self.satisfied,
                "satisfied_share": self.satisfied_share, "mean": self.mean}


def _csat_row(group: str, counts: dict[int, int], threshold: int) -> CsatRow:
    return CsatRow(group, sum(counts.values()),
                   sum(n for s, n in counts.items() if s >= threshold),
                   sum(s * n for s, n in counts.items()))


def csat(uow: UnitOfWork, period: Period, *, by: str = "month") -> list[CsatRow]:
    """CSAT (share satisfied and mean) per group and a last ``total`` row; empty when no
    answer in the period has a score on the CSAT scale."""
    settings = analytics_settings(uow).loyalty
    found = score_counts(uow, period, settings.csat_field, 1, settings.csat_scale, by)
    if not found:
        return []
    threshold = settings.csat_satisfied_at_least
    rows = [_csat_row(g, found[g], threshold) for g in _ordered(found, by, period)]
    if by != "total":
        rows.append(_csat_row(TOTAL, _merge(found), threshold))
    return rows
