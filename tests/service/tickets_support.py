"""Shared setup of the tickets tests: staff, teams, customers, assets with warranties."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from guanxi.app import App
from guanxi.models import Interaction, Team
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_member, add_staff, add_team, get_staff, grant_role
from guanxi_service.assets.service import add_warranty, register_asset

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai


def count(app: App, table: str) -> int:
    """Rows in ``table`` (read outside any unit of work)."""
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def counts(app: App) -> tuple[int, int, int]:
    """Tickets, history entries and interactions: what a failed call must leave alone."""
    return (count(app, "service_ticket"), count(app, "service_ticket_event"),
            count(app, "interaction"))


def logged(app: App, prefix: str = "service.ticket") -> list[tuple]:
    """``(customer_id, kind, channel, direction, subject, payload)`` of the logged entries."""
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(Interaction.customer_id, Interaction.kind, Interaction.channel,
                   Interaction.direction, Interaction.subject, Interaction.payload)
            .where(Interaction.kind.startswith(prefix)).order_by(Interaction.id)).all()
    return [tuple(r) for r in rows]


def make_world(app: App) -> dict[str, int]:
    """Agents wang (team 售后服务部) and li (投诉组), viewer zhao, manager boss, inactive
    agent gone; customers 张三 and 李四 (wang's), 王五 (li's); assets of 张三 (in warranty),
    李四 (expired) and 张三 without terms."""
    with app.transaction(now=T0) as uow:
        add_team(uow, name="售后服务部", description="after-sales")
        add_team(uow, name="投诉组", description="complaints")
        for username, role in (("wang", "agent"), ("li", "agent"), ("zhao", "viewer"),
                               ("boss", "manager"), ("gone", "agent")):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role=role)
        # Not in one team: the "team" policy would let each see the other's customers.
        add_member(uow, team="售后服务部", staff="wang")
        add_member(uow, team="投诉组", staff="li")
        ids = {name: add_customer(uow, name=name, owner=owner).id
               for name, owner in (("张三", "wang"), ("李四", "wang"), ("王五", "li"))}
        get_staff(uow, "gone").is_active = False
        assets = {}
        for key, owner, serial, term in (
            ("zhang_car", "张三", "SN-A1", ("2025-06-01", "2027-05-31")),
            ("li_car", "李四", "SN-B2", ("2024-01-01", "2025-12-31")),
            ("zhang_old", "张三", "SN-C3", None),
        ):
            asset = register_asset(uow, customer_id=ids[owner], serial_number=serial,
                                   product="挖掘机", model="XE215")
            if term:
                add_warranty(uow, asset.id, terms="整机三包", starts_on=term[0], ends_on=term[1])
            assets[key] = asset.id
        teams = dict(uow.session.exec(select(Team.name, Team.id)).all())
    return {**ids, **assets, "team": teams["售后服务部"], "complaints": teams["投诉组"]}
