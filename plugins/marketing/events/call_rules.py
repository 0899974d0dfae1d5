"""Who may be phoned, and when: consent, the do-not-call window, phone numbers, agents.

* **Consent**: a customer who withdrew consent to marketing by phone (or by any channel)
  is never called. With ``calls_need_opt_in`` the privacy purpose's default applies to
  customers who made no choice (marketing: not called until they opt in).
* **Do-not-call window**: no calls between ``do_not_call_from`` and ``do_not_call_until``
  (display time; the window may span midnight).
* **Agents** get only customers they may see under their own record policies, so an agent
  never works a customer whose record he cannot open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from guanxi.access.enforce import customer_condition
from guanxi.access.principal import load_principal
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import ValidationError
from guanxi.models import ConsentEvent, ContactPoint, Customer, Staff
from guanxi.privacy import ANY_CHANNEL, consents
from guanxi_marketing.events.common import CALL_ENTRY, event_settings

PURPOSE = "marketing"
CHANNEL = "phone"


def _made_a_choice(uow: UnitOfWork, customer_ids: Sequence[int]) -> set[int]:
    table = ConsentEvent.__table__  # type: ignore[attr-defined]
    found: set[int] = set()
    for chunk in chunks(sorted(customer_ids)):
        found |= set(uow.session.connection().execute(select(table.c.customer_id).where(
            table.c.customer_id.in_(chunk), table.c.purpose == PURPOSE,
            table.c.channel.in_((CHANNEL, ANY_CHANNEL)))).scalars())
    return found


def may_call(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, bool]:
    """Whether each customer may be phoned for marketing (see the module's notes)."""
    ids = list(customer_ids)
    allowed = consents(uow, ids, purpose=PURPOSE, channel=CHANNEL)
    if event_settings(uow).calls_need_opt_in:
        return allowed
    chose = _made_a_choice(uow, ids)
    return {cid: allowed[cid] if cid in chose else True for cid in ids}


def in_do_not_call_window(uow: UnitOfWork, at: dt.datetime) -> bool:
    """Whether ``at`` falls in the nightly window without calls."""
    settings = event_settings(uow)
    start, end = settings.do_not_call_from, settings.do_not_call_until
    clock = at.astimezone(uow.app.tz).time()
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # the window spans midnight


def require_calling_hours(uow: UnitOfWork) -> None:
    """Refuse (ValidationError) while the do-not-call window is on."""
    if in_do_not_call_window(uow, uow.now):
        settings = event_settings(uow)
        raise ValidationError("time", f"no calls between {settings.do_not_call_from:%H:%M} and "
                                      f"{settings.do_not_call_until:%H:%M} (do-not-call window)")


def phone_numbers(uow: UnitOfWork, customer_ids: Sequence[int]) -> dict[int, str]:
    """Each customer's primary (else first) phone number, E.164, from the contact points."""
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(customer_ids))):
        query = (select(ContactPoint.customer_id, ContactPoint.normalized)
                 .where(ContactPoint.customer_id.in_(chunk), ContactPoint.kind == "phone")
                 .order_by(ContactPoint.customer_id, ContactPoint.is_primary.desc(),
                           ContactPoint.id))
        for customer_id, number in uow.session.exec(query).all():
            found.setdefault(customer_id, number)
    return found


def visible_to_agents(
    uow: UnitOfWork, agents: Sequence[Staff], customer_ids: Sequence[int]
) -> dict[int, set[int]]:
    """For each agent (by staff id), which of ``customer_ids`` his record policies show.

    An agent whose roles do not let him work call-list entries is refused.
    """
    table = Customer.__table__  # type: ignore[attr-defined]
    result: dict[int, set[int]] = {}
    for agent in agents:
        principal = load_principal(uow.app, uow.session, agent.username)
        if not principal.can(CALL_ENTRY, "update"):
            raise ValidationError("agents", f"{agent.username} may not work call lists")
        condition = customer_condition(uow.app, principal, table)
        if condition is None:
            result[agent.id] = set(customer_ids)
            continue
        seen: set[int] = set()
        for chunk in chunks(sorted(customer_ids)):
            seen |= set(uow.session.connection().execute(
                select(table.c.id).where(table.c.id.in_(chunk), condition)).scalars())
        result[agent.id] = seen
    return result
