"""Leads converted by the marketing plugin become opportunities here.

The marketing plugin calls its ``marketing_lead_converted`` hook when a lead becomes a
customer; this module answers it by opening an opportunity on that customer, so a
marketer's qualified lead lands in a salesperson's pipeline. Marketing never imports
sales: without the sales plugin the hook simply has no implementation, and without
marketing the hook does not exist (the implementation is optional, see plugin.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guanxi.app import UnitOfWork
from guanxi_sales.opportunities import create_opportunity

# Days from conversion to the first expected close date; the salesperson refines it.
FIRST_CLOSE_DAYS = 30
NAME_LIMIT = 200


def opportunity_name(lead: dict[str, Any]) -> str:
    """``interest — company`` (or the lead's name where either is missing)."""
    parts = [p for p in (lead.get("interest"), lead.get("company") or lead.get("name")) if p]
    return " — ".join(parts)[:NAME_LIMIT] or f"lead {lead.get('id')}"


def open_opportunity_for_lead(
    uow: UnitOfWork, lead: dict[str, Any], customer_id: int
) -> dict[str, Any]:
    """Open an opportunity for a converted lead; return ``{"opportunity_id": …}``.

    Amount: the lead's estimated value (0 when unknown); source ``lead``; owner: the
    lead's owner (else the account's, as for any opportunity).
    """
    amount = lead.get("estimated_value") or Decimal("0")
    opp = create_opportunity(
        uow, customer_id=customer_id, name=opportunity_name(lead), amount=amount,
        expected_close=uow.today() + dt.timedelta(days=FIRST_CLOSE_DAYS), source="lead",
        owner=lead.get("owner_id"), currency=lead.get("currency"),
    )
    return {"opportunity_id": opp.id}
