"""The analytics section of the customer 360 view (filled in as the areas land)."""

from __future__ import annotations

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section


def customer_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """Nothing yet: the value, CLV and churn areas add their lines."""
    return None
