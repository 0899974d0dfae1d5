"""The assets area's part of the demo data (to be written)."""

from __future__ import annotations

import random

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Nothing yet."""
