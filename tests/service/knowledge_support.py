"""Helpers of the knowledge-base tests: people, categories and tickets to work with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from guanxi.app import App, UnitOfWork
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role
from guanxi_service.knowledge.service import create_category
from guanxi_service.tickets.models import Ticket

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def count(app: App, table: str) -> int:
    """Rows in ``table``, read past every policy."""
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def counts(app: App) -> dict[str, int]:
    """Rows in every knowledge table (to prove that bad input stored nothing)."""
    return {table: count(app, table) for table in (
        "service_kb_category", "service_kb_article", "service_kb_revision",
        "service_kb_article_tag", "service_kb_posting", "service_kb_feedback",
        "service_kb_search", "service_kb_ticket_link", "service_ticket_event", "interaction")}


def make_world(app: App) -> dict[str, int]:
    """Agents wang and li, manager boss, viewer zhao; customers 张三, 李四 (wang's) and
    王五 (li's); categories 工程机械 (with 液压系统 below it) and 银行卡."""
    with app.transaction(now=T0) as uow:
        for username, role in (("wang", "agent"), ("li", "agent"), ("boss", "manager"),
                               ("zhao", "viewer")):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role=role)
        ids = {name: add_customer(uow, name=name, owner=owner).id
               for name, owner in (("张三", "wang"), ("李四", "wang"), ("王五", "li"))}
        machines = create_category(uow, name="工程机械")
        ids["工程机械"] = machines.id
        ids["液压系统"] = create_category(uow, name="液压系统", parent=machines.id).id
        ids["银行卡"] = create_category(uow, name="银行卡").id
    return ids


def make_ticket(uow: UnitOfWork, customer_id: int, subject: str, description: str | None = None,
                *, status: str = "open", channel: str = "email") -> int:
    """A ticket row as the tickets area stores one (written directly: these tests are
    about the knowledge base, not about opening tickets)."""
    with uow.session.no_autoflush:
        number = uow.session.execute(text("SELECT count(*) FROM service_ticket")).scalar_one()
    ticket = Ticket(number=f"SR-{number + 1:06d}", customer_id=customer_id, type="inquiry",
                    channel=channel, status=status, subject=subject, description=description,
                    opened_at=uow.now, created_at=uow.now, updated_at=uow.now)
    uow.session.add(ticket)
    uow.session.flush()
    assert ticket.id is not None
    return ticket.id
