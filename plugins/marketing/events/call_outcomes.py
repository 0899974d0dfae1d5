"""Working a call list: the next customer to phone, and the outcome of each call.

Outcomes (:data:`CALL_OUTCOMES`):

* ``no_answer`` / ``busy``: the entry comes up again ``retry_after_minutes`` later,
  until ``max_attempts`` calls were made (then it is ``exhausted``);
* ``callback``: the customer asked to be called at a given time; a core task is
  created for the agent, due then, and the entry comes up at that time;
* ``interested``, ``not_interested``, ``wrong_number``: final (``done``); interested
  makes the customer a ``responded`` member of the list's campaign;
* ``do_not_call``: final, and the customer's consent to marketing by phone is withdrawn.

Every call is logged as ``marketing.call_made`` (channel phone, outbound).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, or_, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.models import Task
from guanxi.privacy import set_consent
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff
from guanxi.services.tasks import complete_task, create_task
from guanxi_marketing.events.call_rules import (
    CHANNEL,
    PURPOSE,
    may_call,
    phone_numbers,
    require_calling_hours,
)
from guanxi_marketing.events.calls import get_call_list, scoped, sees_every_entry
from guanxi_marketing.events.campaign_link import touch_member
from guanxi_marketing.events.common import (
    CALL_ATTEMPT,
    CALL_ENTRY,
    event_settings,
    log_for,
    parse_notes,
    parse_time,
)
from guanxi_marketing.events.models import (
    CALL_OUTCOMES,
    OPEN_ENTRY_STATUSES,
    CallAttempt,
    CallEntry,
    CallList,
)

RETRY_OUTCOMES = ("no_answer", "busy")
FINAL_OUTCOMES = ("interested", "not_interested", "wrong_number", "do_not_call")
# How far a reached customer moves in the list's campaign.
MEMBER_STATUS_BY_OUTCOME = {"callback": "sent", "not_interested": "sent", "do_not_call": "sent",
                            "interested": "responded"}
CANDIDATES_PER_ROUND = 50


@dataclass(frozen=True)
class NextCall:
    """The entry an agent should call now, with what he needs to make the call."""

    entry_id: int
    call_list_id: int
    call_list: str
    customer_id: int
    customer: str | None
    phone: str | None
    attempts: int
    max_attempts: int
    last_outcome: str | None
    next_call_at: dt.datetime | None
    script: str | None


def _agent_id(uow: UnitOfWork, agent: str | int | None) -> int:
    if agent is None:
        if uow.actor_id is None:
            raise ValidationError("agent", "say whose next call (the system is no agent)")
        return uow.actor_id
    staff = active_staff(uow, agent, "agent")
    if staff.id != uow.actor_id and not sees_every_entry(uow):
        raise ValidationError("agent", "you may only ask for your own next call")
    return staff.id  # type: ignore[return-value]


def _exclude(uow: UnitOfWork, entries: list[CallEntry]) -> list[CallEntry]:
    """Close the entries of customers who withdrew consent since the list was built."""
    allowed = may_call(uow, [e.customer_id for e in entries])
    for entry in entries:
        if not allowed[entry.customer_id]:
            entry.status, entry.next_call_at = "excluded", None
    uow.session.flush()
    return [e for e in entries if allowed[e.customer_id]]


def next_call(
    uow: UnitOfWork, *, call_list_id: int | None = None, agent: str | int | None = None
) -> NextCall | None:
    """The agent's next entry to call (default: the acting user's), or None.

    Due callbacks and retries come first (earliest first), then entries never called,
    in list order. Refused during the do-not-call window. Entries of customers who
    withdrew consent since are excluded on the way.
    """
    require(uow, CALL_ENTRY, "read")
    agent_id = _agent_id(uow, agent)
    require_calling_hours(uow)
    query = select(CallEntry).where(
        CallEntry.agent_id == agent_id, CallEntry.status.in_(OPEN_ENTRY_STATUSES),
        or_(CallEntry.next_call_at.is_(None), CallEntry.next_call_at <= uow.now))
    if call_list_id is not None:
        query = query.where(CallEntry.call_list_id == get_call_list(uow, call_list_id).id)
    never_called_last = case((CallEntry.next_call_at.is_(None), 1), else_=0)
    query = query.order_by(never_called_last, CallEntry.next_call_at, CallEntry.id)
    while True:
        batch = list(uow.session.exec(query.limit(CANDIDATES_PER_ROUND)).scalars())
        if not batch:
            return None
        callable_entries = _exclude(uow, batch)
        if callable_entries:
            return _next_call(uow, callable_entries[0])


def _next_call(uow: UnitOfWork, entry: CallEntry) -> NextCall:
    call_list = uow.session.get(CallList, entry.call_list_id)
    assert call_list is not None
    return NextCall(
        entry_id=entry.id, call_list_id=call_list.id, call_list=call_list.name,  # type: ignore[arg-type]
        customer_id=entry.customer_id,
        customer=customer_names(uow, [entry.customer_id]).get(entry.customer_id),
        phone=phone_numbers(uow, [entry.customer_id]).get(entry.customer_id),
        attempts=entry.attempts, max_attempts=call_list.max_attempts,
        last_outcome=entry.last_outcome, next_call_at=entry.next_call_at,
        script=call_list.script)


def get_entry(uow: UnitOfWork, entry_id: int) -> CallEntry:
    """A call-list entry the principal may see (an agent: his own)."""
    require(uow, CALL_ENTRY, "read")
    entry = uow.session.exec(scoped(uow, select(CallEntry).where(
        CallEntry.id == entry_id))).scalars().first()
    if entry is None:
        raise NotFoundError(f"no call-list entry with id {entry_id}")
    return entry


def _callback_time(
    uow: UnitOfWork, outcome: str, value: dt.datetime | str | None
) -> dt.datetime | None:
    if outcome != "callback":
        if value is not None:
            raise ValidationError("callback_at", "only a callback has a time")
        return None
    if value is None or value == "":
        raise ValidationError("callback_at", "a callback needs the time the customer asked for")
    when = parse_time(uow, value, "callback_at")
    if when <= uow.now:
        raise ValidationError("callback_at", "must be in the future")
    return when


def _close_open_task(uow: UnitOfWork, entry: CallEntry, outcome: str) -> None:
    if entry.task_id is not None:
        task = uow.session.get(Task, entry.task_id)
        if task is not None and task.status == "open":
            complete_task(uow, task.id, outcome=outcome)  # type: ignore[arg-type]
        entry.task_id = None


def _apply(uow: UnitOfWork, entry: CallEntry, call_list: CallList, outcome: str,
           callback_at: dt.datetime | None) -> None:
    """The entry's new status and next call time after a call with ``outcome``."""
    entry.attempts += 1
    entry.last_outcome, entry.last_called_at = outcome, uow.now
    if outcome in RETRY_OUTCOMES:
        if entry.attempts >= call_list.max_attempts:
            entry.status, entry.next_call_at = "exhausted", None
        else:
            delay = dt.timedelta(minutes=event_settings(uow).retry_after_minutes)
            entry.status, entry.next_call_at = "pending", uow.now + delay
    elif outcome == "callback":
        entry.status, entry.next_call_at = "callback", callback_at
        task = create_task(uow, customer_id=entry.customer_id,
                           title=f"回电 call back: {call_list.name}"[:200], due_at=callback_at,  # type: ignore[arg-type]
                           assignee=entry.agent_id, source=f"marketing.call_list:{call_list.id}")
        entry.task_id = task.id
    else:
        entry.status, entry.next_call_at = "done", None


def log_call(
    uow: UnitOfWork, entry_id: int, outcome: str, *, notes: str | None = None,
    callback_at: dt.datetime | str | None = None,
) -> CallEntry:
    """Record a call on an open entry (see the module's notes for each outcome)."""
    require(uow, CALL_ENTRY, "update")
    require(uow, CALL_ATTEMPT, "create")
    entry = get_entry(uow, entry_id)
    result = parse_choice(outcome, CALL_OUTCOMES, "outcome")
    text = parse_notes(notes)
    when = _callback_time(uow, result, callback_at)
    if entry.status not in OPEN_ENTRY_STATUSES:
        raise ValidationError("entry", f"entry {entry.id} is {entry.status}: no more calls")
    require_calling_hours(uow)
    if not may_call(uow, [entry.customer_id])[entry.customer_id]:
        raise ValidationError("customer_id", f"customer {entry.customer_id} withdrew consent "
                                             "to marketing calls")
    call_list = uow.session.get(CallList, entry.call_list_id)
    assert call_list is not None
    _close_open_task(uow, entry, result)
    _apply(uow, entry, call_list, result, when)
    uow.session.add(CallAttempt(
        entry_id=entry.id, call_list_id=call_list.id, customer_id=entry.customer_id,
        agent_id=entry.agent_id, outcome=result, called_at=uow.now, callback_at=when, notes=text))
    uow.session.flush()
    log_for(uow, entry.customer_id, "marketing.call_made", {
        "call_list_id": call_list.id, "entry_id": entry.id, "campaign_id": call_list.campaign_id,
        "outcome": result, "attempt": entry.attempts,
        "callback_at": when.isoformat() if when else None,
    }, subject=call_list.name, direction="outbound", actor=entry.agent_id)
    if result == "do_not_call":
        set_consent(uow, entry.customer_id, purpose=PURPOSE, channel=CHANNEL, granted=False,
                    source=f"call list {call_list.id}: asked not to be called")
    if call_list.campaign_id is not None and result in MEMBER_STATUS_BY_OUTCOME:
        touch_member(uow, call_list.campaign_id, entry.customer_id,
                     MEMBER_STATUS_BY_OUTCOME[result], response=text)
    return entry
