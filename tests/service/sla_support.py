"""Helpers of the SLA tests: an organisation with a team hierarchy, tickets stored directly
(the SLA area does not depend on the tickets service's bodies), changes replayed at given
instants through :func:`apply_sla` as the tickets service would call it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi_service.sla.job import run_sla
from guanxi_service.sla.service import apply_sla
from guanxi_service.tickets.models import Ticket

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(text_value: str) -> dt.datetime:
    """A Shanghai local time ``YYYY-MM-DD HH:MM`` as an aware datetime (UTC)."""
    local = dt.datetime.strptime(text_value, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    return local.astimezone(dt.UTC)


def count(app: App, table: str, where: str = "1=1") -> int:
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()


def rows(app: App, sql: str) -> list[tuple]:
    with app.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def organisation(app: App, when: dt.datetime) -> dict[str, int]:
    """客服中心 ⊃ 华东大区 ⊃ 上海组; a lead in each, an agent in 上海组; three customers."""
    ids: dict[str, int] = {}
    with app.transaction(now=when) as uow:
        for username, name in (("agent", "小王"), ("lead_sh", "上海组长"),
                               ("lead_east", "华东经理"), ("lead_top", "客服总监"),
                               ("other", "李四")):
            ids[username] = add_staff(uow, username=username, display_name=name).id
            grant_role(uow, staff=username, role="agent")
        ids["team_top"] = add_team(uow, name="客服中心").id
        ids["team_east"] = add_team(uow, name="华东大区", parent="客服中心").id
        ids["team_sh"] = add_team(uow, name="上海组", parent="华东大区").id
        add_member(uow, team="上海组", staff="agent")
        add_member(uow, team="上海组", staff="lead_sh", lead=True)
        add_member(uow, team="华东大区", staff="lead_east", lead=True)
        add_member(uow, team="客服中心", staff="lead_top", lead=True)
        ids["regular"] = add_customer(uow, name="张三", owner="agent",
                                      custom={"value_segment": "regular"}).id
        ids["vip"] = add_customer(uow, name="大客户有限公司", kind="organization",
                                  owner="agent", custom={"value_segment": "vip"}).id
        ids["hidden"] = add_customer(uow, name="王五", owner="other").id
    return ids


_numbers = iter(range(1, 10**9))


def open_ticket(app: App, when: dt.datetime, customer_id: int, **fields: Any) -> int:
    """Store a ticket opened at ``when`` and start its clock; returns its id."""
    values: dict[str, Any] = {"type": "inquiry", "channel": "phone", "priority": "normal",
                              "status": "new", "subject": "打印机卡纸 paper jam"}
    values.update(fields)
    with app.transaction(now=when) as uow:
        ticket = Ticket(number=f"SR-{next(_numbers):06d}", customer_id=customer_id,
                        opened_at=when, created_at=when, updated_at=when, **values)
        uow.session.add(ticket)
        uow.session.flush()
        apply_sla(uow, ticket)
        assert ticket.id is not None
        return ticket.id


def change(app: App, ticket_id: int, when: dt.datetime, **fields: Any) -> Ticket:
    """Change a ticket at ``when`` as the tickets service would, then apply the SLA."""
    with app.transaction(now=when) as uow:
        ticket = uow.session.get(Ticket, ticket_id)
        assert ticket is not None
        status = fields.get("status")
        if status == "resolved":
            fields.setdefault("resolved_at", when)
        if status == "closed":
            fields.setdefault("closed_at", when)
        if status in ("new", "open") and ticket.status in ("resolved", "closed"):
            fields.setdefault("reopened_count", ticket.reopened_count + 1)
            fields.setdefault("resolved_at", None)
            fields.setdefault("closed_at", None)
        for name, value in fields.items():
            setattr(ticket, name, value)
        ticket.updated_at = when
        apply_sla(uow, ticket)
        uow.session.expunge(ticket)
        return ticket


def ticket(app: App, ticket_id: int) -> Ticket:
    with app.transaction() as uow:
        found = uow.session.get(Ticket, ticket_id)
        assert found is not None
        uow.session.expunge(found)
        return found


def job(app: App, when: dt.datetime) -> str:
    """Run the SLA job at ``when``."""
    with app.transaction(now=when) as uow:
        return run_sla(uow, when)


def events(app: App, ticket_id: int) -> list[tuple]:
    return rows(app, "SELECT kind, from_value, to_value, body FROM service_ticket_event "
                     f"WHERE ticket_id = {ticket_id} ORDER BY id")
