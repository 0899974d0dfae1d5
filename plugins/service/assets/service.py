"""Assets and warranties (contract used by the tickets, repairs and visits areas)."""

from __future__ import annotations

import datetime as dt

from guanxi.app import UnitOfWork
from guanxi_service.assets.models import Asset


def get_asset(uow: UnitOfWork, asset_id: int) -> Asset:
    """The asset, if the principal may see it; :class:`guanxi.errors.NotFoundError` if not."""
    raise NotImplementedError


def warranty_status(uow: UnitOfWork, asset_id: int, on: dt.date) -> str:
    """``in_warranty`` (a term covers ``on``), ``expired`` (terms, none covering) or ``none``."""
    raise NotImplementedError
