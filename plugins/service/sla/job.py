"""The ``service.sla`` job (every minute): warnings, breaches and escalation, set-based.

The job's work is found through one indexed range, ``service_sla_clock.check_at <= now``
(:func:`guanxi_service.sla.service.apply_sla` keeps ``check_at`` at the ticket's next
warning, deadline or escalation). Every step is a handful of ``INSERT … SELECT`` and
``UPDATE`` statements over those tickets, each guarded by the condition it removes
(a breach sets the flag it tests, a warning clears the instant it tests, an escalation
raises the level it tests), so running the job twice at the same instant changes nothing
the second time, and a run after downtime catches up in one pass. Steps, in order:

1. **Breaches**: a target whose deadline has passed unmet is flagged, the ticket's state
   becomes ``breached`` and its history gets ``sla_breach`` (to_value = the target).
   The first breach of a cycle schedules escalation level 1 at once.
2. **Warnings**: a target whose warning instant has passed (and deadline not) gets
   ``sla_warning`` and a task for the ticket's assignee; the state becomes ``warned``.
3. **Escalation**: level *k* goes to the leads (``TeamMember.is_lead``) of the team *k - 1*
   steps up from the ticket's team (``Team.parent_id``): an ``escalated`` event and one
   task per lead; the next level is due ``every_minutes`` later while the ticket stays
   breached, up to ``max_level`` or the top of the hierarchy.
4. ``check_at`` is recomputed for the tickets looked at.

Events and tasks are inserted set-based rather than through ``record_event`` and
``create_task`` one by one: the job must keep up with a million tickets (the benchmark).
The rows are the ones those services would write (system actor, the ticket's customer).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    String,
    and_,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
    update,
)

from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.db.types import UTCDateTime
from guanxi.models import Task, Team, TeamMember
from guanxi_service.sla.models import SlaClock
from guanxi_service.sla.service import sla_settings
from guanxi_service.tickets.models import Ticket, TicketEvent

JOB = "service.sla"
SOURCE = "service.sla"
RUNNING_STATUSES = ("new", "open", "on_hold")
FAR = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)

T = Ticket.__table__  # type: ignore[attr-defined]
C = SlaClock.__table__  # type: ignore[attr-defined]
E = TicketEvent.__table__  # type: ignore[attr-defined]
K = Task.__table__  # type: ignore[attr-defined]
TEAM = Team.__table__  # type: ignore[attr-defined]
MEMBER = TeamMember.__table__  # type: ignore[attr-defined]

TARGETS = {
    # target: (due column, flag column, warn column, warned column, title)
    "first_response": (T.c.first_response_due_at, T.c.first_response_breached,
                       C.c.first_response_warn_at, C.c.first_response_warned_at, "首次响应"),
    "resolution": (T.c.resolution_due_at, T.c.resolution_breached,
                   C.c.resolution_warn_at, C.c.resolution_warned_at, "解决"),
}


def _at(value: dt.datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime)


def _running() -> ColumnElement[bool]:
    """The ticket's clock runs (not paused, not stopped, a policy assigned)."""
    return and_(T.c.status.in_(RUNNING_STATUSES), T.c.sla_paused_at.is_(None),
                T.c.sla_state.in_(("running", "warned", "breached")))


def _unmet_breach() -> ColumnElement[bool]:
    """A breached target is still unmet (escalation goes on only while it is)."""
    return or_(T.c.resolution_breached == true(),
               and_(T.c.first_response_breached == true(), T.c.first_responded_at.is_(None)))


def _open(target: str) -> ColumnElement[bool]:
    """The target is set and neither met nor breached yet."""
    due, flag, *_ = TARGETS[target]
    condition = and_(due.is_not(None), flag == false())
    if target == "first_response":
        condition = and_(condition, T.c.first_responded_at.is_(None))
    return condition


def _event(kind: str, where: ColumnElement[bool], now: dt.datetime, *,
           from_value: Any = None, to_value: Any = None, body: Any = None) -> Any:
    columns = ["ticket_id", "customer_id", "at", "actor_id", "kind", "from_value", "to_value",
               "body", "public"]
    values = select(
        T.c.id, T.c.customer_id, _at(now), null(), literal(kind, String),
        from_value if from_value is not None else null(),
        to_value if to_value is not None else null(),
        body if body is not None else null(),
        literal(False, Boolean),
    ).where(where)
    return E.insert().from_select(columns, values)


def _task(title: str, assignee: Any, team: Any, due: Any, notes: str, now: dt.datetime,
          where: ColumnElement[bool], from_: Any = T) -> Any:
    columns = ["customer_id", "title", "notes", "due_at", "status", "priority", "assignee_id",
               "team_id", "created_by_id", "source", "created_at"]
    values = select(
        T.c.customer_id, literal(title, String) + T.c.number + literal(" ", String)
        + T.c.subject, literal(notes, String), due, literal("open", String),
        literal("high", String), assignee, team, null(), literal(SOURCE, String), _at(now),
    ).select_from(from_).where(where)
    return K.insert().from_select(columns, values)


def run_sla(uow: UnitOfWork, due_at: dt.datetime | None = None) -> str:
    """Warn, breach and escalate what is due at ``uow.now``; returns a one-line summary."""
    settings = sla_settings(uow)
    if not settings.enabled:
        return "SLA disabled"
    uow.session.flush()
    now = uow.now
    conn = uow.session.connection()
    checked = select(C.c.ticket_id).where(C.c.check_at <= now).correlate(None)
    due_here = and_(T.c.id.in_(checked), _running())
    counts = {"breaches": 0, "warnings": 0, "escalations": 0}

    # 1. Breaches. Each step first selects the ids it acts on (one pass over the tickets
    # looked at), then writes in slices of those ids, each write still guarded by its
    # condition: a pass over every ticket looked at per statement costs more than the
    # writes themselves after an outage.
    newly: list[int] = []
    for target, (due, flag, *_rest) in TARGETS.items():
        ids = list(conn.execute(select(T.c.id).where(due_here, _open(target), due <= now))
                   .scalars())
        newly += ids
        for chunk in chunks(ids):
            where = and_(T.c.id.in_(chunk), _running(), _open(target), due <= now)
            conn.execute(_event("sla_breach", where, now, to_value=literal(target, String)))
            result = conn.execute(update(T).where(where)
                                  .values({flag: True, "sla_state": "breached"}))
            counts["breaches"] += result.rowcount
    if settings.escalation.enabled:
        # A breach escalates at once, unless a chain is under way for the ticket already.
        for chunk in chunks(sorted(set(newly))):
            conn.execute(update(C).where(C.c.ticket_id.in_(chunk))
                         .values(breached_at=func.coalesce(C.c.breached_at, _at(now))))
            conn.execute(update(C).where(C.c.ticket_id.in_(chunk),
                                         C.c.next_escalation_at.is_(None))
                         .values(next_escalation_at=now))

    # 2. Warnings.
    for target, (due, _flag, warn, warned, label) in TARGETS.items():
        warned_now = (select(C.c.ticket_id).where(warn <= now, C.c.check_at <= now)
                      .correlate(None))
        ids = list(conn.execute(select(T.c.id).where(
            due_here, _open(target), due > now, T.c.id.in_(warned_now))).scalars())
        for chunk in chunks(ids):
            where = and_(T.c.id.in_(chunk), _running(), _open(target), due > now)
            conn.execute(_event("sla_warning", where, now, to_value=literal(target, String)))
            conn.execute(_task(f"SLA 预警 ({label}) ", T.c.assignee_id, T.c.team_id, due,
                               f"SLA warning: the {target.replace('_', ' ')} target is near",
                               now, and_(where, T.c.assignee_id.is_not(None))))
            conn.execute(update(T).where(where, T.c.sla_state == "running")
                         .values(sla_state="warned"))
            result = conn.execute(update(C).where(C.c.ticket_id.in_(chunk), warn <= now)
                                  .values({warn: None, warned: now}))
            counts["warnings"] += result.rowcount

    # 3. Escalation, one level per ticket and run.
    if settings.escalation.enabled:
        counts["escalations"] = _escalate(uow, due_here, now)

    # 4. The next look at every ticket looked at.
    _reschedule(uow, now)
    return ", ".join(f"{count} {name}" for name, count in counts.items())


def _team_at(level: int) -> Any:
    """The team ``level - 1`` steps up from the ticket's team (NULL past the top)."""
    team: Any = T.c.team_id
    for _ in range(level - 1):
        parent = TEAM.alias()
        # Correlated to the ticket explicitly: SQLAlchemy correlates only to the enclosing
        # SELECT, and the ticket is two or more levels out here.
        team = (select(parent.c.parent_id).where(parent.c.id == team).correlate(T)
                .scalar_subquery())
    return team


def _escalate(uow: UnitOfWork, due_here: ColumnElement[bool], now: dt.datetime) -> int:
    settings = sla_settings(uow).escalation
    conn = uow.session.connection()
    escalating = select(C.c.ticket_id).where(
        C.c.next_escalation_at <= now, C.c.check_at <= now).correlate(None)
    by_level: dict[int, list[int]] = {}
    for ticket_id, level in conn.execute(select(T.c.id, T.c.escalation_level).where(
            due_here, _unmet_breach(), T.c.id.in_(escalating),
            T.c.escalation_level < settings.max_level)):
        by_level.setdefault(level + 1, []).append(ticket_id)
    following = now + dt.timedelta(minutes=settings.every_minutes)
    done = 0
    for level, ids in sorted(by_level.items()):
        team = _team_at(level)
        named = TEAM.alias()
        team_name = (select(named.c.name).where(named.c.id == team).correlate(T)
                     .scalar_subquery())
        for chunk in chunks(ids):
            base = and_(T.c.id.in_(chunk), _running(), _unmet_breach(),
                        T.c.escalation_level == level - 1)
            # No team at this level (none on the ticket, or the top was passed): stop.
            stop = select(T.c.id).where(base, team.is_(None))
            conn.execute(update(C).where(C.c.ticket_id.in_(stop))
                         .values(next_escalation_at=None))
            where = and_(base, team.is_not(None))
            conn.execute(_event("escalated", where, now,
                                from_value=literal(str(level - 1), String),
                                to_value=literal(str(level), String), body=team_name))
            lead = MEMBER.alias()
            conn.execute(_task(f"SLA 超时升级 L{level} ", lead.c.staff_id, lead.c.team_id,
                               _at(now), f"SLA breached: escalation level {level}", now,
                               and_(where, lead.c.is_lead == true()),
                               T.join(lead, lead.c.team_id == team)))
            result = conn.execute(update(T).where(where).values(escalation_level=level))
            done += result.rowcount
            # The ones raised (the stopped ones have no next escalation any more).
            conn.execute(update(C).where(C.c.ticket_id.in_(chunk),
                                         C.c.next_escalation_at <= now).values(
                next_escalation_at=_at(following) if level < settings.max_level else None))
    return done


def _least(uow: UnitOfWork, values: list[Any]) -> Any:
    """The earliest non-NULL of ``values`` (NULL if all are), on SQLite and PostgreSQL."""
    padded = [func.coalesce(value, _at(FAR)) for value in values]
    smallest = (func.least(*padded) if uow.session.bind.dialect.name == "postgresql"
                else func.min(*padded))
    return type_coerce(func.nullif(smallest, _at(FAR)), UTCDateTime)


def _reschedule(uow: UnitOfWork, now: dt.datetime) -> None:
    """``check_at`` (and moot warnings cleared) for every clock the job just looked at."""
    conn = uow.session.connection()
    fr_open, res_open = _open("first_response"), _open("resolution")
    looked = and_(C.c.ticket_id == T.c.id, C.c.check_at <= now)
    # SET expressions all read the old row: the warnings kept are computed once and used
    # for both the columns and check_at.
    fr_warn = case((fr_open, C.c.first_response_warn_at))
    res_warn = case((res_open, C.c.resolution_warn_at))
    upcoming = _least(uow, [
        fr_warn, res_warn,
        case((fr_open, T.c.first_response_due_at)),
        case((res_open, T.c.resolution_due_at)),
        case((_unmet_breach(), C.c.next_escalation_at)),
    ])
    conn.execute(update(C).where(looked).values(
        first_response_warn_at=fr_warn, resolution_warn_at=res_warn,
        check_at=case((_running(), upcoming), else_=None)))
