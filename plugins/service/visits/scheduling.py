"""Turning trigger interactions into scheduled visits (the ``interactions_logged`` hook).

A batch of logged interactions (an import may hand over thousands) is handled with a
fixed number of queries whatever its size: customers, staff, assets and tickets are read
per batch in id slices, and the visits are written with one set-based insert that skips
rows already there (the unique key plan + trigger interaction + step), so a trigger
never schedules twice even when the hook sees it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.models import Customer, Staff, Team, TeamMember
from guanxi.records import InteractionRecord
from guanxi_service.assets.models import Asset
from guanxi_service.tickets.models import Ticket
from guanxi_service.visits.models import Visit
from guanxi_service.visits.plans import triggered
from guanxi_service.visits.settings import CarePlan

VISIT = Visit.__table__  # type: ignore[attr-defined]


def _ids_in(uow: UnitOfWork, column: Any, ids: Iterable[int], *extra: Any) -> list[Any]:
    """Rows of ``select(column, *extra)`` whose ``column`` is in ``ids`` (Core: no policies,
    the hook reacts for the system whoever logged)."""
    wanted = sorted(set(ids))
    rows: list[Any] = []
    connection = uow.session.connection()
    for part in chunks(wanted):
        rows.extend(connection.execute(select(column, *extra).where(column.in_(part))))
    return rows


def _team_members(uow: UnitOfWork, team: str) -> list[int]:
    """Active members of ``team`` by staff id (empty when the team is gone)."""
    query = (select(Staff.id).join(TeamMember, TeamMember.staff_id == Staff.id)
             .join(Team, Team.id == TeamMember.team_id)
             .where(Team.name == team, Staff.is_active.is_(True)).order_by(Staff.id))
    return list(uow.session.connection().execute(query).scalars())


def _last_assigned(uow: UnitOfWork, plan: str, members: Sequence[int]) -> int | None:
    """The member who got the plan's latest visit: round-robin goes on after him."""
    query = (select(Visit.assignee_id).where(Visit.plan == plan,
                                              Visit.assignee_id.in_(members))
             .order_by(Visit.id.desc()).limit(1))
    return uow.session.connection().execute(query).scalar()


class _RoundRobin:
    """The next member of a team, going round in staff-id order."""

    def __init__(self, members: list[int], last: int | None):
        self.members = members
        self.position = members.index(last) if last in members else -1

    def next(self) -> int | None:
        if not self.members:
            return None
        self.position = (self.position + 1) % len(self.members)
        return self.members[self.position]


def _int(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def visit_rows(
    uow: UnitOfWork, found: list[tuple[InteractionRecord, str, CarePlan]]
) -> list[dict[str, Any]]:
    """The visit rows (dicts for the insert) for each triggered plan's steps."""
    customers = {row.id: (row.owner_id, row.erased_at) for row in _ids_in(
        uow, Customer.id, (r.customer_id for r, _, _ in found),
        Customer.owner_id, Customer.erased_at)}
    people = {r.actor_id for r, _, _ in found if r.actor_id is not None}
    people |= {owner for owner, _ in customers.values() if owner is not None}
    active = {row.id for row in _ids_in(uow, Staff.id, people, Staff.is_active)
              if row.is_active}
    asset_ids = {_int(r.payload, "asset_id") for r, _, _ in found} - {None}
    ticket_ids = {_int(r.payload, "ticket_id") for r, _, _ in found} - {None}
    assets = {row.id for row in _ids_in(uow, Asset.id, asset_ids)}
    tickets = {row.id for row in _ids_in(uow, Ticket.id, ticket_ids)}
    named = {plan.user for _, _, plan in found if plan.assign == "user"}
    users = {row.username: row.id for row in uow.session.connection().execute(
        select(Staff.username, Staff.id).where(Staff.username.in_(named),
                                               Staff.is_active.is_(True)))} if named else {}
    rotations: dict[str, _RoundRobin] = {}
    tz = uow.app.tz
    rows = []
    for record, name, plan in found:
        owner_id, erased_at = customers.get(record.customer_id, (None, True))
        if erased_at is not None:
            continue  # an erased person is not called back
        owner = owner_id if owner_id in active else None
        actor = record.actor_id if record.actor_id in active else None
        if plan.assign == "actor":
            assignee = actor or owner
        elif plan.assign == "owner":
            assignee = owner or actor
        elif plan.assign == "user":
            assignee = users.get(plan.user or "") or owner
        else:
            if name not in rotations:
                members = _team_members(uow, plan.team or "")
                rotations[name] = _RoundRobin(members, _last_assigned(uow, name, members))
            assignee = None  # one member per trigger, the same for all its steps
        asset_id = _int(record.payload, "asset_id")
        ticket_id = _int(record.payload, "ticket_id")
        start = record.occurred_at.astimezone(tz).date()  # the trigger's local day
        if plan.assign == "team":
            assignee = rotations[name].next() or owner
        for step, offset in enumerate(plan.offsets, start=1):
            due = start + dt.timedelta(days=offset)
            rows.append({
                "customer_id": record.customer_id, "plan": name, "step": step,
                "offset_days": offset, "trigger_id": record.id, "trigger_kind": record.kind,
                "asset_id": asset_id if asset_id in assets else None,
                "ticket_id": ticket_id if ticket_id in tickets else None,
                "title": plan.title, "channel": plan.channel, "paid": plan.paid,
                "fee": plan.fee, "planned_on": due, "due_on": due, "assignee_id": assignee,
                "status": "scheduled", "attempts": 0, "created_by_id": None,
                "created_at": uow.now, "updated_at": uow.now,
            })
    return rows


def insert_visits(uow: UnitOfWork, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows``, skipping any whose plan + trigger + step is stored; the new ids."""
    if not rows:
        return []
    connection = uow.session.connection()
    dialect = connection.dialect.name
    new: list[int] = []
    for part in chunks(rows, 500):
        if dialect in ("postgresql", "sqlite"):
            module = postgresql if dialect == "postgresql" else sqlite
            # One multi-row statement; RETURNING gives only the rows actually inserted.
            statement = module.insert(VISIT).on_conflict_do_nothing(
                index_elements=["plan", "trigger_id", "step"]).returning(VISIT.c.id)
            new.extend(connection.execute(statement, list(part)).scalars())
        else:  # other databases: leave out the keys already stored, then insert
            keys = {(r.plan, r.trigger_id, r.step) for r in connection.execute(
                select(VISIT.c.plan, VISIT.c.trigger_id, VISIT.c.step).where(
                    VISIT.c.trigger_id.in_({r["trigger_id"] for r in part})))}
            fresh = [r for r in part if (r["plan"], r["trigger_id"], r["step"]) not in keys]
            if fresh:
                new.extend(connection.execute(
                    insert(VISIT).returning(VISIT.c.id), fresh).scalars())
    return new


def schedule_from(uow: UnitOfWork, interactions: list[InteractionRecord]) -> list[int]:
    """Schedule the visits the care plans give for a batch; the ids of the new ones."""
    found = triggered(uow.app, interactions)
    if not found:
        return []
    return insert_visits(uow, visit_rows(uow, found))
