"""Shared helpers of the repairs and parts tests: a small world of staff, customers,
assets (one in warranty), and direct row counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from guanxi.app import App
from guanxi.models import Interaction
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role
from guanxi_service.assets.service import register_asset
from guanxi_service.assets.warranties import add_warranty

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def count(app: App, table: str) -> int:
    """Rows in a table, read past every access rule."""
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def kinds_logged(app: App, prefix: str = "service.repair") -> list[tuple[str, dict]]:
    """The (kind, payload) of the interactions logged with ``prefix``, in order."""
    with app.engine.connect() as connection:
        rows = connection.execute(select(Interaction.kind, Interaction.payload)
                                  .where(Interaction.kind.like(f"{prefix}%"))
                                  .order_by(Interaction.id)).all()
    return [(kind, payload) for kind, payload in rows]


def make_world(app: App) -> dict[str, int]:
    """Staff: wang and li (agents, technicians), boss (manager), zhao (viewer).
    Customers: 张三 (wang's) with an excavator in warranty and a crane without one;
    李四 (li's) with a loader. Returns the ids by name."""
    with app.transaction(now=T0 - 30 * DAY) as uow:
        for username, name, role in (("wang", "王工", "agent"), ("li", "李工", "agent"),
                                     ("boss", "老板", "manager"), ("zhao", "赵", "viewer")):
            add_staff(uow, username=username, display_name=name)
            grant_role(uow, staff=username, role=role)
        zhang = add_customer(uow, name="张三", owner="wang").id
        lisi = add_customer(uow, name="李四", owner="li").id
        excavator = register_asset(uow, customer_id=zhang, serial_number="XE215-0001",
                                   product="履带式挖掘机", model="XE215")
        add_warranty(uow, excavator.id, terms="整机三包 12 个月", starts_on="2026-01-01",
                     ends_on="2026-12-31")
        crane = register_asset(uow, customer_id=zhang, serial_number="QY25-0002",
                               product="汽车起重机", model="QY25K")
        loader = register_asset(uow, customer_id=lisi, serial_number="LW500-0003",
                                product="装载机", model="LW500")
    return {"张三": zhang, "李四": lisi, "excavator": excavator.id, "crane": crane.id,
            "loader": loader.id}
