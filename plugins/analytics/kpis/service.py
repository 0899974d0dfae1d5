"""Service KPIs from the interaction log: SLA compliance, on-time repairs, complaints, FCR.

Read from what the service plugin (or the kinds the settings name) logged, never from its
tables. A ticket is known by the ``ticket_id`` of its entries; its **resolution** is its
first ``resolved_kinds`` entry (resolved, else closed).

* **SLA compliance** — resolutions in the period that met their target / resolutions with
  a target. A resolution entry whose payload says whether the SLA was met
  (``sla_met_field``) is taken at its word; otherwise the elapsed hours from the ticket's
  opening to its resolution are compared with ``resolution_hours`` of its priority. The
  service plugin's own entries carry no SLA result, so the figure is on elapsed (not
  business) hours — the service plugin's ``service.sla_compliance`` report has the
  business-calendar view. Resolutions of a priority without a target are counted apart.
* **On-time repair rate** (按时交车) — ``repair_completed`` entries in the period with
  ``on_time`` true / all of them. REQUIREMENTS §7.5 [S003:89–91].
* **Complaint resolution rate** — complaints (tickets of ``complaint_types``) opened in
  the period and resolved by its end / complaints opened in it; **satisfactory
  resolution** — answered surveys about those resolved complaints with CSAT ≥
  ``satisfied_csat`` and not flagged poor / answered surveys about them.
  REQUIREMENTS §7.5 [S003:89–91] (投诉是否得到满意解决).
* **First-contact resolution** — resolutions in the period of tickets never reopened and
  with no reply from the customer before the period's end / resolutions in the period
  (the customer did not have to come back; an approximation from the log, as the ticket
  conversation's channels are not all logged).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.sql import Subquery

from guanxi.app import UnitOfWork
from guanxi.models import Interaction
from guanxi_analytics.common import Period
from guanxi_analytics.kpis.campaigns import kpis_settings
from guanxi_analytics.kpis.settings import KpisSettings
from guanxi_analytics.sql import (
    bool_field,
    days_between,
    int_field,
    kinds_in,
    ratio,
    rounded,
    text_field,
)

NO_PRIORITY = "-"


@dataclass(frozen=True)
class SlaRow:
    """SLA compliance of the resolutions of one priority in the period."""

    priority: str
    resolved: int
    target_hours: float | None
    measured: int  # with a target or an SLA result in the payload
    met: int
    compliance: float | None
    from_payload: int  # resolutions whose entry said whether the SLA was met
    mean_hours: float | None

    def public(self) -> dict[str, Any]:
        """The row as JSON-able data."""
        return asdict(self)


def _ticket_entries(uow: UnitOfWork, s: KpisSettings, period: Period,
                    kinds: list[str]) -> Subquery:
    _, end = period.utc_bounds(uow.app.tz)
    ticket = int_field(s.ticket_field)
    return (select(ticket.label("ticket"), Interaction.kind.label("kind"),
                   Interaction.occurred_at.label("at"), Interaction.id.label("id"),
                   func.coalesce(text_field(s.priority_field), NO_PRIORITY).label("priority"),
                   text_field(s.type_field).label("type"),
                   bool_field(s.sla_met_field).label("sla_met"))
            .where(kinds_in(kinds), ticket.isnot(None), Interaction.occurred_at < end)
            .subquery("ticket_entry"))


def _resolutions(uow: UnitOfWork, s: KpisSettings, period: Period) -> Subquery:
    """The first resolution of every ticket resolved in the period, with its opening."""
    start, _ = period.utc_bounds(uow.app.tz)
    entries = _ticket_entries(uow, s, period, [s.ticket_opened_kind, *s.resolved_kinds])
    ranked = (select(entries, func.row_number().over(
        partition_by=entries.c.ticket, order_by=(entries.c.at, entries.c.id)).label("rn"))
              .where(entries.c.kind.in_(s.resolved_kinds)).subquery("ranked"))
    opened = (select(entries.c.ticket, func.min(entries.c.at).label("opened_at"))
              .where(entries.c.kind == s.ticket_opened_kind).group_by(entries.c.ticket)
              .subquery("opened"))
    return (select(ranked.c.ticket, ranked.c.priority, ranked.c.sla_met, ranked.c.at,
                   (days_between(uow, ranked.c.at, opened.c.opened_at)
                    * literal_column("24.0")).label("hours"))
            .outerjoin(opened, opened.c.ticket == ranked.c.ticket)
            .where(ranked.c.rn == 1, ranked.c.at >= start).subquery("resolution"))


def sla_compliance(uow: UnitOfWork, period: Period) -> list[SlaRow]:
    """SLA compliance of the resolutions in ``period`` by priority (see the module)."""
    s = kpis_settings(uow)
    res = _resolutions(uow, s, period)
    target = case(*[(res.c.priority == name, hours)
                     for name, hours in s.resolution_hours.items()], else_=None)
    judged = res.c.sla_met.isnot(None)
    measured = case((judged, 1), ((target.isnot(None)) & res.c.hours.isnot(None), 1), else_=0)
    met = case((judged, case((res.c.sla_met.is_(True), 1), else_=0)),
               (res.c.hours <= target, 1), else_=0)
    rows = uow.session.exec(
        select(res.c.priority, func.count(), func.sum(measured), func.sum(met),
               func.sum(case((judged, 1), else_=0)), func.avg(res.c.hours))
        .group_by(res.c.priority)).all()
    order = list(s.resolution_hours)
    result = [SlaRow(priority, n, s.resolution_hours.get(priority), int(seen or 0),
                     int(ok or 0), ratio(int(ok or 0), int(seen or 0)), int(said or 0),
                     rounded(hours))
              for priority, n, seen, ok, said, hours in rows]
    return sorted(result, key=lambda r: (order.index(r.priority) if r.priority in order
                                         else len(order), r.priority))


@dataclass(frozen=True)
class ServiceKpis:
    """The service indicators of one period (counts and the rates built from them)."""

    period: str
    resolved: int
    sla_measured: int
    sla_met: int
    sla_compliance: float | None
    sla_from_payload: int
    repairs_completed: int
    repairs_on_time: int
    repair_on_time_rate: float | None
    complaints_opened: int
    complaints_resolved: int
    complaint_resolution_rate: float | None
    complaint_surveys: int
    complaint_satisfied: int
    complaint_satisfaction_rate: float | None
    first_contact_resolved: int
    first_contact_resolution_rate: float | None

    def public(self) -> dict[str, Any]:
        """The figures as JSON-able data."""
        return asdict(self)


def repairs_on_time(uow: UnitOfWork, period: Period) -> tuple[int, int]:
    """(repairs delivered in ``period``, of them on time)."""
    s = kpis_settings(uow)
    start, end = period.utc_bounds(uow.app.tz)
    on_time = bool_field(s.on_time_field)
    done, punctual = uow.session.exec(
        select(func.count(), func.sum(case((on_time.is_(True), 1), else_=0)))
        .where(Interaction.kind == s.repair_completed_kind, Interaction.occurred_at >= start,
               Interaction.occurred_at < end)).one()
    return int(done or 0), int(punctual or 0)


def complaints(uow: UnitOfWork, period: Period) -> tuple[int, int, int, int]:
    """(complaints opened in ``period``, of them resolved by its end, surveys answered
    about the resolved ones, of them satisfied)."""
    s = kpis_settings(uow)
    start, end = period.utc_bounds(uow.app.tz)
    entries = _ticket_entries(uow, s, period, [s.ticket_opened_kind, *s.resolved_kinds])
    opened = (select(entries.c.ticket).where(
        entries.c.kind == s.ticket_opened_kind, entries.c.at >= start,
        entries.c.type.in_(s.complaint_types)).distinct().subquery("complaint"))
    settled = (select(entries.c.ticket).where(entries.c.kind.in_(s.resolved_kinds))
               .distinct().subquery("settled"))
    count_opened = uow.session.exec(select(func.count()).select_from(opened)).scalar() or 0
    resolved = select(opened.c.ticket).where(opened.c.ticket.in_(select(settled.c.ticket)))
    count_resolved = uow.session.exec(
        select(func.count()).select_from(resolved.subquery())).scalar() or 0
    csat = int_field(s.csat_field)
    happy = case(((csat >= s.satisfied_csat)
                  & func.coalesce(bool_field(s.poor_field), False).is_(False), 1), else_=0)
    answered, satisfied = uow.session.exec(
        select(func.count(), func.sum(happy))
        .where(Interaction.kind == s.survey_kind, Interaction.occurred_at < end,
               csat.isnot(None), int_field(s.ticket_field).in_(resolved))).one()
    return int(count_opened), int(count_resolved), int(answered or 0), int(satisfied or 0)


def first_contact(uow: UnitOfWork, period: Period) -> tuple[int, int]:
    """(tickets resolved in ``period``, of them never reopened nor answered by the
    customer before its end)."""
    s = kpis_settings(uow)
    res = _resolutions(uow, s, period)
    again = _ticket_entries(uow, s, period, [s.reopened_kind, s.customer_reply_kind])
    came_back = select(again.c.ticket).distinct()
    total, first = uow.session.exec(select(
        func.count(), func.sum(case((res.c.ticket.in_(came_back), 0), else_=1)))).one()
    return int(total or 0), int(first or 0)


def service_kpis(uow: UnitOfWork, period: Period) -> ServiceKpis:
    """Every service indicator of ``period`` (see the module for the definitions)."""
    sla = sla_compliance(uow, period)
    measured = sum(r.measured for r in sla)
    met = sum(r.met for r in sla)
    done, punctual = repairs_on_time(uow, period)
    opened, resolved, answered, satisfied = complaints(uow, period)
    total, first = first_contact(uow, period)
    return ServiceKpis(
        period=period.label(), resolved=sum(r.resolved for r in sla), sla_measured=measured,
        sla_met=met, sla_compliance=ratio(met, measured),
        sla_from_payload=sum(r.from_payload for r in sla),
        repairs_completed=done, repairs_on_time=punctual,
        repair_on_time_rate=ratio(punctual, done),
        complaints_opened=opened, complaints_resolved=resolved,
        complaint_resolution_rate=ratio(resolved, opened), complaint_surveys=answered,
        complaint_satisfied=satisfied, complaint_satisfaction_rate=ratio(satisfied, answered),
        first_contact_resolved=first, first_contact_resolution_rate=ratio(first, total))
