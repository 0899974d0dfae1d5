"""Shared setup of the service web tests: staff with console passwords, customers and
tickets whose SLA deadlines lie at known distances from the application's "now".

Urgent tickets run on the ``urgent`` policy (24x7: first response in 30 minutes,
resolution in 4 hours), so their clocks do not depend on business hours: opened 40
minutes ago the first response is 10 minutes late, 25 minutes ago 5 of 30 minutes are
left (less than a quarter: warn), 5 minutes ago 25 are left (ok).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi_service.tickets.models import Ticket
from guanxi_service.tickets.service import change_status, open_ticket

TEAM = "售后服务部"
OTHER_TEAM = "投诉组"


def state(app: App, ticket_id: int) -> tuple:
    """What a refused request must leave alone: the ticket's status, resolution,
    assignee, its history length and the interaction count."""
    with app.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT status, resolution, assignee_id FROM service_ticket WHERE id = :i"),
            {"i": ticket_id}).one()
        events = connection.execute(text(
            "SELECT count(*) FROM service_ticket_event WHERE ticket_id = :i"),
            {"i": ticket_id}).scalar_one()
        logged = connection.execute(text("SELECT count(*) FROM interaction")).scalar_one()
    return (*row, events, logged)


def stored(app: App, ticket_id: int) -> Ticket:
    """The ticket as stored (read as the system)."""
    with app.transaction() as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        assert ticket is not None
        uow.session.expunge(ticket)
        return ticket


def world(web: Any) -> dict[str, int]:
    """wang (agent, 售后服务部), li (agent, 投诉组), zhao (viewer), boss (admin); customers
    张三 (wang's), 王五 (li's), 赵六 (zhao's); tickets of 售后服务部: ``late``, ``warn``,
    ``ok`` (urgent, unassigned), ``paused`` (pending), ``closed``; ``other`` of 投诉组
    (王五's) and ``viewer`` (赵六's, no team)."""
    web.staff("wang", role="agent", team=TEAM)
    web.staff("li", role="agent", team=OTHER_TEAM)
    web.staff("zhao", role="viewer")
    web.staff("boss", role="admin")
    app: App = web.app
    now = app.now()
    ago = lambda minutes: now - dt.timedelta(minutes=minutes)  # noqa: E731
    ids: dict[str, int] = {}
    with app.transaction() as uow:
        for key, name, owner in (("zhang", "张三", "wang"), ("wangwu", "王五", "li"),
                                 ("zhaoliu", "赵六", "zhao")):
            ids[key] = add_customer(uow, name=name, owner=owner).id  # type: ignore[assignment]

        def make(key: str, customer: str, minutes: int, **fields: Any) -> Ticket:
            values: dict[str, Any] = {"type": "repair", "channel": "phone",
                                      "priority": "urgent", "team_id": TEAM}
            values.update(fields)
            ticket = open_ticket(uow, customer_id=ids[customer], subject=f"{key} 挖掘机故障",
                                 opened_at=ago(minutes), **values)
            ids[key] = ticket.id  # type: ignore[assignment]
            return ticket

        # Opened in an order unlike the queue's, so the order is the deadline's.
        make("ok", "zhang", 5)
        make("late", "zhang", 40)
        make("paused", "zhang", 10, assignee_id="wang")
        change_status(uow, ids["paused"], "pending")
        make("warn", "zhang", 25)
        make("closed", "zhang", 20)
        change_status(uow, ids["closed"], "closed", resolution="已更换液压泵")
        make("other", "wangwu", 15, team_id=OTHER_TEAM)
        make("viewer", "zhaoliu", 15, team_id=None, priority="normal")
    return ids
