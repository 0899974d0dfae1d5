"""Demo data (to be written)."""

from __future__ import annotations


def generate_demo(uow, rng, customers) -> None:
    """(to be written)"""
