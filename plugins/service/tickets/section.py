"""The service section of the customer 360 view."""

from __future__ import annotations

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section


def customer_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """Open tickets with their SLA clocks, assets under warranty, the next return visit."""
    return None
