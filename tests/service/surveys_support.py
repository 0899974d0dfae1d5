"""Shared setup of the surveys tests: staff, a team, customers, closed tickets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text

from guanxi.app import App, UnitOfWork
from guanxi.models import Interaction
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi_service.tickets.service import change_status, open_ticket

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def count(app: App, table: str, where: str = "") -> int:
    """Rows of ``table`` (optionally ``WHERE where``), outside any unit of work."""
    with app.engine.connect() as connection:
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return connection.execute(text(sql)).scalar_one()


def logged(app: App, kind: str) -> list[tuple[int, str, str, dict[str, Any]]]:
    """(customer, direction, subject, payload) of the log's entries of ``kind``."""
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(Interaction.customer_id, Interaction.direction, Interaction.subject,
                   Interaction.payload).where(Interaction.kind == kind)
            .order_by(Interaction.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def build_world(app: App) -> dict[str, int]:
    """Agents wang and li (team 售后一组 led by neither), viewer zhao; customers 张三 and
    李四 (wang's, 李四 reads English) and 王五 (li's)."""
    with app.transaction(now=T0) as uow:
        for username, name in (("wang", "王芳"), ("li", "李明")):
            add_staff(uow, username=username, display_name=name)
            grant_role(uow, staff=username, role="agent")
        add_staff(uow, username="zhao", display_name="赵")
        grant_role(uow, staff="zhao", role="viewer")
        team = add_team(uow, name="售后一组")
        add_member(uow, team="售后一组", staff="wang")
        ids = {"team": team.id}
        for key, name, owner, language in (("zhang", "张三", "wang", "zh"),
                                           ("li_si", "李四", "wang", "en"),
                                           ("wang_wu", "王五", "li", None)):
            ids[key] = add_customer(uow, name=name, owner=owner, language=language).id
    return ids


def close_ticket(
    uow: UnitOfWork, customer_id: int, subject: str = "空调不制冷", *,
    type: str = "repair", team_id: int | None = None, status: str = "closed",
) -> int:
    """Open a ticket and close (or resolve) it at ``uow.now``; its id."""
    ticket = open_ticket(uow, customer_id=customer_id, type=type, channel="phone",
                         subject=subject, team_id=team_id)
    change_status(uow, ticket.id, status, resolution="已更换压缩机，运行正常")
    return ticket.id  # type: ignore[return-value]


def log_visit(uow: UnitOfWork, customer_id: int, visit_id: int, *, outcome: str = "reached",
              ticket_id: int | None = None) -> None:
    """Log a return visit as the visits area does."""
    log_interactions(uow, [{
        "customer_id": customer_id, "kind": "service.return_visit", "channel": "phone",
        "direction": "outbound",
        "payload": {"visit_id": visit_id, "outcome": outcome, "ticket_id": ticket_id}}])
