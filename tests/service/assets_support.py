"""Helpers of the assets tests: a small world of staff, owners and dealers, and counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text

from guanxi.app import App
from guanxi.models import Interaction
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role

# 09:00 in Shanghai on 2026-03-02 (the tests run in that time zone: a local day matters).
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


def settings(**service: Any) -> dict[str, Any]:
    """Fresh settings (make_app writes the database URL into them) in Shanghai time, with
    ``[service.assets]`` values."""
    return {"core": {"timezone": "Asia/Shanghai"}, "service": {"assets": dict(service)}}


def count(app: App, table: str) -> int:
    """Rows in ``table``, unfiltered."""
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def kinds_logged(app: App, prefix: str = "service.") -> list[tuple[int, str, dict]]:
    """(customer, kind, payload) of every interaction logged with ``prefix``, in order."""
    with app.engine.connect() as connection:
        rows = connection.execute(select(Interaction.customer_id, Interaction.kind,
                                         Interaction.payload)
                                  .where(Interaction.kind.startswith(prefix))
                                  .order_by(Interaction.id)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def make_world(app: App) -> dict[str, int]:
    """Agents wang and li, viewer zhao; 三一工程 and 张师傅 are wang's, 华东建设 li's;
    徐工江苏经销 and 山东经销 are dealers (unowned), 无角色公司 holds no dealer role."""
    with app.transaction(now=T0) as uow:
        for username in ("wang", "li"):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role="agent")
        add_staff(uow, username="zhao", display_name="赵")
        grant_role(uow, staff="zhao", role="viewer")
        ids = {
            "sany": add_customer(uow, name="三一工程有限公司", kind="organization",
                                 owner="wang").id,
            "zhang": add_customer(uow, name="张师傅", owner="wang").id,
            "huadong": add_customer(uow, name="华东建设有限公司", kind="organization",
                                    owner="li").id,
            "dealer": add_customer(uow, name="徐工江苏经销", kind="organization",
                                   roles=["dealer"]).id,
            "dealer2": add_customer(uow, name="山东经销", kind="organization",
                                    roles=["dealer", "customer"]).id,
            "plain": add_customer(uow, name="无角色公司", kind="organization").id,
        }
    return ids
