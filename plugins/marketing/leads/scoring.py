"""Lead scoring: fit rules on the lead's fields, engagement rules on its history, with decay.

The score is the sum of what every rule contributed, and the contributions are stored
with it (``score_components``), so ``leads explain`` can always say why a lead scored
what it did. Engagement points decay: each event's points halve every
``half_life_days`` of its age, so a lead that went quiet sinks; a daily job re-scores
the open leads for that reason.

An engagement event is one of the lead's own touches (captures, event visits recorded
on the lead) or an interaction logged for its customer (converted or matched). The
interactions are read below the record policies: a score is a property of the lead and
must not depend on who happened to trigger the re-scoring.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from guanxi.app import UnitOfWork
from guanxi.models import Interaction
from guanxi_marketing.leads.common import get_lead, lead_settings
from guanxi_marketing.leads.models import OPEN_STATUSES, Lead
from guanxi_marketing.leads.settings import EngagementRule, FitRule, LeadSettings

RESCORE_JOB = "marketing.leads_rescore"
CHUNK = 500
SCORE_COLUMNS = ("score", "grade", "score_components", "scored_at")


@dataclass(frozen=True)
class Contribution:
    """One rule's part of a score: its name, fit or engagement, its points and why."""

    rule: str
    type: str
    points: float
    detail: str


@dataclass(frozen=True)
class Event:
    """Something the lead did: an interaction kind (or touch) and when."""

    kind: str
    at: dt.datetime


# ----------------------------------------------------------------------------- rules


def _field_value(lead: Lead, name: str) -> Any:
    value = getattr(lead, name)
    return value.strip() if isinstance(value, str) else value


def fit_matches(rule: FitRule, lead: Lead) -> tuple[bool, str]:
    """Whether the lead meets a fit rule, and the value that decided it."""
    value = _field_value(lead, rule.field)
    present = value not in (None, "") and not (isinstance(value, Decimal) and value == 0)
    shown = f"{rule.field}={value}"
    if rule.op == "present":
        return present, shown
    if not present:
        return False, shown
    wanted = rule.value if isinstance(rule.value, list) else [rule.value]
    text = str(value).casefold()
    if rule.op == "equals":
        return text == str(rule.value).casefold(), shown
    if rule.op == "in":
        return text in {str(w).casefold() for w in wanted}, shown
    if rule.op == "contains":
        return any(str(w).casefold() in text for w in wanted), shown
    number = float(value)
    threshold = float(rule.value)  # type: ignore[arg-type]  # checked by the settings
    return (number >= threshold if rule.op == "gte" else number <= threshold), shown


def kind_matches(rule: EngagementRule, kind: str) -> bool:
    """Whether an event kind counts for a rule (``sales.*`` is a prefix)."""
    if rule.kind.endswith("*"):
        return kind.startswith(rule.kind[:-1])
    return kind == rule.kind


def decay(age_days: float, half_life_days: float) -> float:
    """The share of an event's points left after ``age_days`` (halves every half-life)."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def contributions(
    settings: LeadSettings, lead: Lead, events: Sequence[Event], now: dt.datetime
) -> list[Contribution]:
    """Every rule that gave the lead points (zero-point rules are left out)."""
    found = []
    for fit in settings.fit_rules:
        met, shown = fit_matches(fit, lead)
        if met and fit.points:
            found.append(Contribution(fit.name, "fit", float(fit.points), shown))
    oldest = now - dt.timedelta(days=settings.lookback_days)
    for rule in settings.engagement_rules:
        matched = [e for e in events if kind_matches(rule, e.kind) and oldest <= e.at <= now]
        if not matched:
            continue
        full = rule.points * len(matched)
        decayed = sum(
            rule.points * decay((now - e.at).total_seconds() / 86400, settings.half_life_days)
            for e in matched
        )
        points = min(decayed, rule.cap) if rule.cap is not None else decayed
        newest = max(e.at for e in matched).date().isoformat()
        detail = f"{len(matched)} × {rule.kind} (newest {newest}): {full:g} decayed to "
        detail += f"{decayed:.1f}" + (f", capped at {rule.cap:g}" if points < decayed else "")
        if round(points, 2):
            found.append(Contribution(rule.name, "engagement", round(points, 2), detail))
    return found


def grade_for(settings: LeadSettings, score: int) -> str | None:
    """The grade of the highest threshold the score reaches (None without grades)."""
    reached = [(low, grade) for grade, low in settings.grades.items() if score >= low]
    return max(reached)[1] if reached else None


# ----------------------------------------------------------------------------- history


def _touch_events(lead: Lead) -> list[Event]:
    return [Event(t["kind"], dt.datetime.fromisoformat(t["at"])) for t in lead.touches]


def events_of(uow: UnitOfWork, leads: Sequence[Lead], since: dt.datetime) -> dict[int, list[Event]]:
    """Each lead's engagement events since ``since``: touches and its customer's log."""
    by_customer: dict[int, list[int]] = defaultdict(list)
    for lead in leads:
        for customer_id in {lead.customer_id, lead.matched_customer_id} - {None}:
            by_customer[customer_id].append(lead.id)  # type: ignore[index, arg-type]
    found: dict[int, list[Event]] = {lead.id: _touch_events(lead) for lead in leads}  # type: ignore[misc]
    table = Interaction.__table__  # type: ignore[attr-defined]
    ids = sorted(by_customer)
    connection = uow.session.connection()
    for start in range(0, len(ids), CHUNK):
        query = select(table.c.customer_id, table.c.kind, table.c.occurred_at).where(
            table.c.customer_id.in_(ids[start : start + CHUNK]), table.c.occurred_at >= since,
            table.c.kind != "marketing.lead_captured",  # already a touch of the lead
        )
        for customer_id, kind, at in connection.execute(query):
            for lead_id in by_customer[customer_id]:
                found[lead_id].append(Event(kind, at))
    return found


# ----------------------------------------------------------------------------- scoring


def apply_score(
    settings: LeadSettings, lead: Lead, events: Sequence[Event], now: dt.datetime
) -> None:
    """Set the lead's score, grade and stored breakdown from its rules and history."""
    parts = contributions(settings, lead, events, now)
    lead.score = round(sum(p.points for p in parts))
    lead.grade = grade_for(settings, lead.score)
    lead.score_components = [
        {"rule": p.rule, "type": p.type, "points": p.points, "detail": p.detail} for p in parts
    ]
    lead.scored_at = now


def score_leads(
    uow: UnitOfWork, leads: Sequence[Lead], now: dt.datetime | None = None, *, flush: bool = True
) -> None:
    """Score these leads as of ``now`` (default: the unit of work's time)."""
    when = now or uow.now
    settings = lead_settings(uow.app)
    since = when - dt.timedelta(days=settings.lookback_days)
    history = events_of(uow, leads, since)
    for lead in leads:
        apply_score(settings, lead, history[lead.id], when)  # type: ignore[index]
    if flush:
        uow.session.flush()


def rescore_ids(uow: UnitOfWork, lead_ids: Sequence[int], now: dt.datetime | None) -> int:
    """Re-score leads by id below the record policies, writing only the score columns.

    The rows are read and written at the Core level, so a re-scoring triggered by
    someone who cannot see a lead (an interaction he logged for its customer) still
    keeps it current; nothing but the derived score columns changes.
    """
    uow.session.flush()
    table = Lead.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    done = 0
    fresh: dict[int, Lead] = {}
    for start in range(0, len(lead_ids), CHUNK):
        rows = connection.execute(
            select(table).where(table.c.id.in_(lead_ids[start : start + CHUNK]))
        ).mappings().all()
        leads = [Lead(**row) for row in rows]
        score_leads(uow, leads, now, flush=False)
        for lead in leads:
            connection.execute(table.update().where(table.c.id == lead.id).values(
                score=lead.score, grade=lead.grade, score_components=lead.score_components,
                scored_at=lead.scored_at))
            fresh[lead.id] = lead  # type: ignore[index]
        done += len(leads)
    # A copy of a lead the session holds gets the new score too (not expired: the caller
    # may still read it after the transaction ended).
    for held in [obj for obj in uow.session.identity_map.values() if isinstance(obj, Lead)]:
        if held.id in fresh:
            for column in SCORE_COLUMNS:
                set_committed_value(held, column, getattr(fresh[held.id], column))
    return done


def rescore_leads(
    uow: UnitOfWork, *, lead_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Re-score the open leads the principal sees (or only those of ``lead_ids``)."""
    query = select(Lead.id).where(Lead.status.in_(OPEN_STATUSES)).order_by(Lead.id)
    if lead_ids is not None:
        query = query.where(Lead.id.in_(sorted(set(lead_ids))))
    visible = list(uow.session.exec(query).scalars())
    return rescore_ids(uow, visible, now)


def rescore_job(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The daily job: engagement decays, so every open lead's score is recomputed.

    Scored as of the run (``uow.now``), not the due time: a runner that was down for a
    week must not score as if it were last week.
    """
    return f"re-scored {rescore_leads(uow, now=max(due_at, uow.now))} open leads"


def rescore_for_interactions(uow: UnitOfWork, customer_ids: Iterable[int]) -> int:
    """Re-score the open leads of customers who just had something logged."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return 0
    table = Lead.__table__  # type: ignore[attr-defined]
    lead_ids: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = select(table.c.id).where(
            table.c.status.in_(OPEN_STATUSES),
            table.c.customer_id.in_(chunk) | table.c.matched_customer_id.in_(chunk),
        )
        lead_ids += uow.session.connection().execute(query).scalars()
    return rescore_ids(uow, sorted(set(lead_ids)), None) if lead_ids else 0


@dataclass(frozen=True)
class Explanation:
    """Why a lead scored what it did (``leads explain``)."""

    lead_id: int
    name: str
    score: int
    grade: str | None
    scored_at: dt.datetime | None
    components: list[dict[str, Any]]


def explain(uow: UnitOfWork, lead_id: int) -> Explanation:
    """The lead's stored score and the rules that made it, biggest first."""
    lead = get_lead(uow, lead_id)
    parts = sorted(lead.score_components, key=lambda p: (-p["points"], p["rule"]))
    return Explanation(lead.id, lead.name, lead.score, lead.grade, lead.scored_at, parts)  # type: ignore[arg-type]
