"""The parts area of the service plugin (interface: :class:`guanxi.areas.Area`).

Spare parts (备件): the catalogue, warehouses and service stations, stock per part and
location with a movement ledger, reservations and parts used on repair orders,
stock-outs, reorder points, turnover and days of supply. The service functions are in
:mod:`~guanxi_service.parts.catalogue`, :mod:`~guanxi_service.parts.stock` and
:mod:`~guanxi_service.parts.reservations`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.areas import WORK
from guanxi_service.parts.common import (
    ADJUSTMENT,
    LOCATION,
    MOVEMENT,
    PART,
    RESERVATION,
    STOCK,
    STOCKOUT,
)
from guanxi_service.parts.models import (
    TABLES,
    Part,
    PartReservation,
    Stock,
    StockAdjustment,
    StockLocation,
    StockMovement,
    Stockout,
)

__all__ = ["TABLES"]

# The catalogue and the locations are master data: agents read them, managers keep them.
MASTER = {"agent": ("read",), "manager": ("*",), "viewer": ("read",),
          "privacy_officer": ("read", "export")}
# Stock counts change the books: managers only.
COUNTS = {"agent": ("read",), "manager": ("*",), "viewer": ("read",)}
# The ledger is append-only: agents receive, transfer and issue; nobody edits a row.
LEDGER = {"agent": ("read", "create"), "manager": ("read", "create", "export"),
          "viewer": ("read",), "privacy_officer": ("read",)}


def register_entities(register: Callable[..., None]) -> None:
    """Parts, locations, stock, ledger, counts and stock-outs carry no customer (grants
    only); reservations are seen with the customer of their repair order."""
    register(PART, Part, grants=MASTER, description="a spare part in the catalogue")
    register(LOCATION, StockLocation, grants=MASTER,
             description="a warehouse or service station holding spare parts")
    register(STOCK, Stock, grants=WORK, description="stock of a part at a location")
    register(MOVEMENT, StockMovement, grants=LEDGER, description="a row of the stock ledger")
    register(ADJUSTMENT, StockAdjustment, grants=COUNTS,
             description="a stock count or correction (盘点)")
    register(RESERVATION, PartReservation, customer_column="customer_id", grants=WORK,
             description="spare parts held for a repair order")
    register(STOCKOUT, Stockout, grants=WORK,
             description="a demand for a spare part that could not be met (缺货)")


def register_kinds(register: Callable[..., None]) -> None:
    """None: stock movements are not customer interactions (the ledger records them)."""


def register_jobs(register: Callable[..., None]) -> None:
    """No jobs: low stock and turnover are computed when asked."""


def register_reports(register: Callable[..., None]) -> None:
    """``service.parts_turnover``, ``service.parts_low_stock``, ``service.parts_stockouts``."""
    from guanxi_service.parts import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service parts …``."""
    from guanxi_service.parts import cli

    group.add_command(cli.parts)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """About 30 parts in four locations with 90 days of movements and a few stock-outs."""
    from guanxi_service.parts.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """Nothing personal: reservations are listed with the customer's repair orders."""
    return {}


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Nothing to clear: the parts tables hold no free text about people."""
