"""The construction edition's demo data (placeholder, filled below)."""

from __future__ import annotations

import random

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Nothing yet."""
