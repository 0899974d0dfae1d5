"""The event report: registrations, attendance, no-shows, leads and what each cost.

Counts go through the ORM session, so a reader sees the figures of the customers he
may see; the cost is the event campaign's actual cost (campaigns area).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi_marketing.events.common import EVENT_LEAD, REGISTRATION, report_id_option
from guanxi_marketing.events.events import event_with_campaign
from guanxi_marketing.events.models import EventLead, EventRegistration

CENT = Decimal("0.01")


@dataclass(frozen=True)
class EventReport:
    """What an event achieved; rates in percent, costs per head in the campaign currency."""

    event_id: int
    name: str
    kind: str
    registrations: int  # registered beforehand (walk-ins not counted), cancelled included
    by_status: dict[str, int] = field(default_factory=dict)
    walk_ins: int = 0
    attended: int = 0  # walk-ins included
    no_shows: int = 0
    cancelled: int = 0
    waitlisted: int = 0
    attendance_rate: Decimal | None = None  # of the registered who held a place
    leads_captured: int = 0
    cost: Decimal = Decimal("0")
    currency: str = "CNY"
    cost_per_attendee: Decimal | None = None
    cost_per_lead: Decimal | None = None


def _per(cost: Decimal, count: int) -> Decimal | None:
    return (cost / count).quantize(CENT) if count else None


def event_report(uow: UnitOfWork, event_id: int) -> EventReport:
    """The report of one event (see :class:`EventReport`)."""
    require(uow, REGISTRATION, "read")
    require(uow, EVENT_LEAD, "read")
    event, campaign = event_with_campaign(uow, event_id)
    counts: dict[tuple[str, bool], int] = {}
    query = (select(EventRegistration.status, EventRegistration.walk_in, func.count())
             .where(EventRegistration.event_id == event.id)
             .group_by(EventRegistration.status, EventRegistration.walk_in))
    for status, walk_in, count in uow.session.exec(query).all():
        counts[status, bool(walk_in)] = count
    by_status: dict[str, int] = {}
    for (status, _), count in counts.items():
        by_status[status] = by_status.get(status, 0) + count
    registered = {s: n for (s, walk_in), n in counts.items() if not walk_in}
    came = registered.get("attended", 0)
    held_place = came + sum(registered.get(s, 0) for s in ("no_show", "registered", "confirmed"))
    leads = uow.session.exec(select(func.count(EventLead.id)).where(
        EventLead.event_id == event.id)).scalar_one()
    attended = by_status.get("attended", 0)
    cost = campaign.actual_cost
    return EventReport(
        event_id=event.id, name=campaign.name, kind=event.kind,
        registrations=sum(registered.values()), by_status=by_status,
        walk_ins=sum(n for (_, walk_in), n in counts.items() if walk_in), attended=attended,
        no_shows=by_status.get("no_show", 0), cancelled=by_status.get("cancelled", 0),
        waitlisted=by_status.get("waitlisted", 0),
        attendance_rate=(Decimal(100 * came) / held_place).quantize(Decimal("0.1"))
        if held_place else None,
        leads_captured=leads, cost=cost, currency=campaign.currency,
        cost_per_attendee=_per(cost, attended), cost_per_lead=_per(cost, leads),
    )


def event_report_entry(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.event`` for ``guanxi report run``: option ``event`` (its id)."""
    report = event_report(uow, report_id_option(options, "event"))
    return {"report": "marketing.event", **to_jsonable(report)}
