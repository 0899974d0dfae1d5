"""Telemarketing call lists (电话营销): built from a segment, explicit customers or a
campaign's members, and shared out among agents (each entry has exactly one agent).

Customers who may not be phoned (consent), have no phone number, or whom no agent of
the list may see are left out and counted. Agents see only their own entries and the
lists they work on; whoever may manage call lists (``marketing.call_list:update``)
sees every entry of the customers his record policies show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, Staff
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff, usernames
from guanxi_marketing.campaigns.common import campaign_field
from guanxi_marketing.campaigns.models import CampaignMember
from guanxi_marketing.campaigns.service import add_members
from guanxi_marketing.events.call_rules import may_call, phone_numbers, visible_to_agents
from guanxi_marketing.events.common import CALL_ENTRY, CALL_LIST, event_settings, parse_notes
from guanxi_marketing.events.models import (
    OPEN_ENTRY_STATUSES,
    CallEntry,
    CallList,
    CallListAgent,
)

CALLING_CAMPAIGN_TYPES = ("telemarketing", "event")  # an invitation round for an event
MAX_NAME = 200
MAX_ATTEMPTS = 20


def sees_every_entry(uow: UnitOfWork) -> bool:
    """Whether the principal manages call lists (else he sees only his own entries)."""
    return uow.principal.can(CALL_LIST, "update")


def scoped(uow: UnitOfWork, query: Any) -> Any:
    """``query`` over call entries, limited to the agent's own unless he manages lists."""
    if sees_every_entry(uow):
        return query
    return query.where(CallEntry.agent_id == uow.actor_id)


def get_call_list(uow: UnitOfWork, call_list_id: int) -> CallList:
    """A call list the principal manages or works on; :class:`NotFoundError` otherwise."""
    require(uow, CALL_LIST, "read")
    query = select(CallList).where(CallList.id == call_list_id)
    if not sees_every_entry(uow):
        query = query.where(CallList.id.in_(select(CallListAgent.call_list_id).where(
            CallListAgent.staff_id == uow.actor_id)))
    found = uow.session.exec(query).scalars().first()
    if found is None:
        raise NotFoundError(f"no call list with id {call_list_id}")
    return found


@dataclass
class CallListBuild:
    """A new call list, how many entries it got and why the others were left out."""

    call_list: CallList
    entries: int
    skipped: dict[str, int] = field(default_factory=dict)


def _agents(uow: UnitOfWork, refs: Iterable[str | int]) -> list[Staff]:
    agents: dict[int, Staff] = {}
    for ref in refs:
        staff = active_staff(uow, ref, "agents")
        agents.setdefault(staff.id, staff)  # type: ignore[arg-type]
    if not agents:
        raise ValidationError("agents", "name at least one agent")
    return list(agents.values())


def _max_attempts(uow: UnitOfWork, value: int | str | None) -> int:
    if value is None:
        return event_settings(uow).max_attempts
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError("max_attempts", f"not a whole number: {value!r}") from None
    if not 1 <= number <= MAX_ATTEMPTS:
        raise ValidationError("max_attempts", f"must be 1 to {MAX_ATTEMPTS}")
    return number


def _candidates(
    uow: UnitOfWork, segment: int | str | None, customer_ids: Sequence[int],
    campaign_id: int | None,
) -> tuple[list[int], int | None]:
    """The customers to call and the segment they came from."""
    if segment is not None and customer_ids:
        raise ValidationError("segment", "give a segment or customer ids, not both")
    if segment is not None:
        from guanxi_marketing.segments.service import get_segment, segment_customer_ids

        try:
            found = get_segment(uow, segment)
        except NotFoundError as exc:
            raise ValidationError("segment", str(exc)) from None
        return list(segment_customer_ids(uow, found.id)), found.id
    if customer_ids:
        wanted = sorted({int(i) for i in customer_ids})
        visible: set[int] = set()
        for chunk in chunks(wanted):  # through the ORM: existing and visible ones only
            visible |= set(uow.session.exec(select(Customer.id).where(
                Customer.id.in_(chunk))).scalars())
        missing = [i for i in wanted if i not in visible]
        if missing:
            raise ValidationError("customer_ids", f"no customer with id {missing[0]}")
        return wanted, None
    if campaign_id is not None:
        members = uow.session.exec(select(CampaignMember.customer_id).where(
            CampaignMember.campaign_id == campaign_id)).scalars().all()
        return sorted(members), None
    raise ValidationError("customers", "give a segment, customer ids or a campaign with members")


def _share_out(customers: Sequence[int], agents: Sequence[Staff],
               visible: dict[int, set[int]]) -> dict[int, int]:
    """Customer → agent: each to the agent who may see him and has the fewest so far."""
    load = {agent.id: 0 for agent in agents}
    assignment: dict[int, int] = {}
    for customer_id in customers:
        eligible = [a.id for a in agents if customer_id in visible[a.id]]
        if eligible:
            chosen = min(eligible, key=lambda staff_id: load[staff_id])
            load[chosen] += 1
            assignment[customer_id] = chosen  # type: ignore[assignment]
    return assignment


def create_call_list(
    uow: UnitOfWork,
    *,
    name: str,
    agents: Iterable[str | int],
    segment: int | str | None = None,
    customer_ids: Sequence[int] = (),
    campaign: int | str | None = None,
    script: str | None = None,
    max_attempts: int | str | None = None,
) -> CallListBuild:
    """Build a call list and share its customers out among ``agents``.

    Customers come from ``segment`` (its current members), ``customer_ids``, or else the
    members of ``campaign`` (telemarketing or event). With a campaign, every listed
    customer becomes a member of it.
    """
    require(uow, CALL_LIST, "create")
    require(uow, CALL_ENTRY, "create")
    title = (name or "").strip()
    if not title or len(title) > MAX_NAME:
        raise ValidationError("name", f"is required (at most {MAX_NAME} characters)")
    staff = _agents(uow, agents)
    attempts = _max_attempts(uow, max_attempts)
    text = parse_notes(script, "script")
    linked = campaign_field(uow, campaign, "campaign") if campaign is not None else None
    if linked is not None and linked.type not in CALLING_CAMPAIGN_TYPES:
        allowed = " or ".join(CALLING_CAMPAIGN_TYPES)
        raise ValidationError("campaign", f"campaign {linked.id} is a {linked.type} campaign "
                                          f"(calls belong to {allowed})")
    candidates, segment_id = _candidates(uow, segment, customer_ids,
                                         linked.id if linked else None)
    allowed = may_call(uow, candidates)
    phones = phone_numbers(uow, candidates)
    callable_ids = [c for c in candidates if allowed[c] and c in phones]
    assignment = _share_out(callable_ids, staff, visible_to_agents(uow, staff, callable_ids))
    call_list = CallList(name=title, campaign_id=linked.id if linked else None,
                         segment_id=segment_id, script=text, max_attempts=attempts,
                         created_by_id=uow.actor_id, created_at=uow.now)
    uow.session.add(call_list)
    uow.session.flush()
    uow.session.add_all([CallListAgent(call_list_id=call_list.id, staff_id=a.id) for a in staff])
    uow.session.add_all([CallEntry(call_list_id=call_list.id, customer_id=customer_id,
                                   agent_id=agent_id) for customer_id, agent_id in
                         sorted(assignment.items())])
    uow.session.flush()
    if linked is not None and assignment:
        add_members(uow, linked.id, sorted(assignment))
    skipped = {
        "no_consent": sum(1 for c in candidates if not allowed[c]),
        "no_phone": sum(1 for c in candidates if allowed[c] and c not in phones),
        "no_agent_may_see": len(callable_ids) - len(assignment),
    }
    return CallListBuild(call_list, len(assignment), {k: v for k, v in skipped.items() if v})


@dataclass(frozen=True)
class CallListRow:
    """A call list as listed: its agents and how many of the visible entries are open."""

    id: int
    name: str
    campaign_id: int | None
    max_attempts: int
    agents: list[str]
    entries: int
    open: int
    created_at: dt.datetime


def _agent_names(uow: UnitOfWork, call_list_ids: list[int]) -> dict[int, list[str]]:
    pairs = uow.session.exec(select(CallListAgent.call_list_id, CallListAgent.staff_id).where(
        CallListAgent.call_list_id.in_(call_list_ids))).all()
    names = usernames(uow, [staff_id for _, staff_id in pairs])
    result: dict[int, list[str]] = {i: [] for i in call_list_ids}
    for list_id, staff_id in pairs:
        result[list_id].append(names.get(staff_id, str(staff_id)))
    return {k: sorted(v) for k, v in result.items()}


def call_list_rows(uow: UnitOfWork, lists: Sequence[CallList]) -> list[CallListRow]:
    """Listing rows for call lists (entry counts over the entries the principal sees)."""
    ids = [c.id for c in lists]
    counts: dict[tuple[int, bool], int] = {}
    if ids:
        is_open = CallEntry.status.in_(OPEN_ENTRY_STATUSES)
        query = scoped(uow, select(CallEntry.call_list_id, is_open, func.count())
                       .where(CallEntry.call_list_id.in_(ids))
                       .group_by(CallEntry.call_list_id, is_open))
        counts = {(list_id, bool(flag)): n for list_id, flag, n in uow.session.exec(query).all()}
    agents = _agent_names(uow, ids)
    return [CallListRow(
        id=c.id, name=c.name, campaign_id=c.campaign_id, max_attempts=c.max_attempts,
        agents=agents[c.id], entries=counts.get((c.id, True), 0) + counts.get((c.id, False), 0),
        open=counts.get((c.id, True), 0), created_at=c.created_at) for c in lists]


def list_call_lists(uow: UnitOfWork, *, limit: int = 100) -> list[CallListRow]:
    """Call lists the principal manages or works on, newest first."""
    require(uow, CALL_LIST, "read")
    query = select(CallList).order_by(CallList.id.desc()).limit(limit)
    if not sees_every_entry(uow):
        query = query.where(CallList.id.in_(select(CallListAgent.call_list_id).where(
            CallListAgent.staff_id == uow.actor_id)))
    return call_list_rows(uow, uow.session.exec(query).scalars().all())


@dataclass(frozen=True)
class EntryRow:
    """A call-list entry as listed."""

    id: int
    customer_id: int
    customer: str | None
    agent: str | None
    status: str
    attempts: int
    last_outcome: str | None
    last_called_at: dt.datetime | None
    next_call_at: dt.datetime | None


def entry_rows(uow: UnitOfWork, entries: Sequence[CallEntry]) -> list[EntryRow]:
    """Listing rows for entries (customer names the principal may see)."""
    names = customer_names(uow, [e.customer_id for e in entries])
    agents = usernames(uow, [e.agent_id for e in entries])
    return [EntryRow(
        id=e.id, customer_id=e.customer_id, customer=names.get(e.customer_id),
        agent=agents.get(e.agent_id), status=e.status, attempts=e.attempts,
        last_outcome=e.last_outcome, last_called_at=e.last_called_at,
        next_call_at=e.next_call_at) for e in entries]


@dataclass
class CallListDetail:
    """A call list with its script and the entries the principal may see."""

    call_list: CallListRow
    script: str | None
    entries: list[EntryRow]


def call_list_detail(uow: UnitOfWork, call_list_id: int) -> CallListDetail:
    """Everything about one call list (for ``calls show``)."""
    call_list = get_call_list(uow, call_list_id)
    entries = uow.session.exec(scoped(uow, select(CallEntry).where(
        CallEntry.call_list_id == call_list.id).order_by(CallEntry.id))).scalars().all()
    row = call_list_rows(uow, [call_list])[0]
    return CallListDetail(row, call_list.script, entry_rows(uow, entries))
