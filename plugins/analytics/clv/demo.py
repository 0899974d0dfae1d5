"""The clv area's part of the demo: a fit over whatever purchases the demo logged."""

from __future__ import annotations

import random

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.records import CustomerRecord
from guanxi_analytics.clv.service import fit_models


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Fit the CLV models (deterministic: no randomness); too little data skips quietly."""
    # Every refusal is raised before anything is written, so skipping leaves no trace.
    try:
        fit_models(uow)
    except ValidationError:
        return
