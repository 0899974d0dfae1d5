"""A marketing lead converted to a customer becomes an opportunity, through the hook only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from guanxi.app import App
from guanxi.services.staff import add_staff, grant_role
from guanxi_sales.leads import opportunity_name
from guanxi_sales.models import Opportunity

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


def converted_lead(app: App, **fields: Any) -> dict[str, Any]:
    """Capture, qualify and convert a lead owned by wang; return its conversion."""
    from guanxi_marketing.leads.conversion import convert_lead
    from guanxi_marketing.leads.service import capture_lead, qualify_lead

    with app.transaction(now=T0) as uow:
        add_staff(uow, username="wang", display_name="王芳")
        grant_role(uow, staff="wang", role="agent")
    with app.transaction(now=T0) as uow:
        lead = capture_lead(uow, name="王伟", source="event", owner="wang", **fields)
        assert lead.id is not None
        qualify_lead(uow, lead.id)
    with app.transaction(as_user="wang", now=T0) as uow:
        return convert_lead(uow, lead.id).conversion


def test_with_sales_a_converted_lead_opens_an_opportunity(
    make_sales_app: Callable[..., App]
) -> None:
    app = make_sales_app(enable=["marketing"])
    conversion = converted_lead(app, company="恒通机械", interest="挖掘机",
                                estimated_value="88000.50")
    opportunity_id = conversion["results"][0]["opportunity_id"]
    with app.transaction() as uow:
        opp = uow.session.exec(select(Opportunity).where(Opportunity.id == opportunity_id)
                               ).scalars().one()
        owner = uow.session.connection().execute(
            text("SELECT username FROM staff WHERE id = :id"), {"id": opp.owner_id}).scalar()
    assert (opp.name, opp.amount, opp.source, owner) == (
        "挖掘机 — 恒通机械", Decimal("88000.50"), "lead", "wang")
    assert opp.customer_id == conversion["customer_id"]
    assert opp.expected_close == dt.date(2026, 5, 31)  # 30 days on, in the display zone


def test_a_lead_without_value_or_interest_opens_a_zero_opportunity(
    make_sales_app: Callable[..., App]
) -> None:
    app = make_sales_app(enable=["marketing"])
    conversion = converted_lead(app)
    with app.transaction() as uow:
        opp = uow.session.get(Opportunity, conversion["results"][0]["opportunity_id"])
        assert opp is not None and (opp.name, opp.amount) == ("王伟", Decimal("0.00"))


def test_without_sales_conversion_still_works(make_app: Callable[..., App]) -> None:
    app = make_app(enable=["marketing"], disable=["sales"], entry_points=True)
    assert "sales" not in app.plugins
    conversion = converted_lead(app, company="恒通机械")
    assert conversion["results"] == [] and conversion["customer_id"]
    assert not inspect(app.engine).has_table("sales_opportunity")  # sales was never there


@pytest.mark.parametrize(
    ("lead", "name"),
    [({"interest": "CT", "company": "医院"}, "CT — 医院"),
     ({"interest": None, "company": None, "name": "张三"}, "张三"),
     ({"id": 5}, "lead 5"), ({"interest": "x" * 300, "name": "y"}, "x" * 200)],
)
def test_opportunity_names(lead: dict[str, Any], name: str) -> None:
    assert opportunity_name(lead) == name
