"""What the repairs modules share: entity names, lookups and input parsing.

Lookups read through ORM queries on ``uow.session``, so the record policies of the
acting principal decide what is found (an invisible order is "not found").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.repairs.models import RepairOrder
from guanxi_service.repairs.settings import RepairSettings

REPAIR = "service.repair_order"
STEP = "service.repair_step"


def repair_settings(app: App) -> RepairSettings:
    """The resolved ``[service.repairs]`` settings."""
    return app.settings_for("service").repairs


def get_repair(uow: UnitOfWork, ref: int | str, *, lock: bool = False) -> RepairOrder:
    """A repair order by id or number ("RO-000012") the principal may see; NotFoundError
    otherwise. ``lock`` takes the row lock (PostgreSQL; SQLite runs one writer)."""
    require(uow, REPAIR, "read")
    text = str(ref).strip()
    query = select(RepairOrder)
    if text.isdigit():
        query = query.where(RepairOrder.id == int(text))
    else:
        query = query.where(RepairOrder.number == text.upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = uow.session.exec(query).scalars().first()
    if found is None:
        raise NotFoundError(f"no repair order {ref!r}")
    return found


def repair_field(uow: UnitOfWork, ref: int | str, field_name: str, *,
                 lock: bool = False) -> RepairOrder:
    """:func:`get_repair`, with "not found" reported as bad input of ``field_name``."""
    try:
        return get_repair(uow, ref, lock=lock)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None




def parse_time(uow: UnitOfWork, value: dt.datetime | dt.date | str | None,
               field_name: str) -> dt.datetime | None:
    """A moment from a datetime or ISO text (``2026-03-05 17:00``); a time without a zone
    and a bare date (end of that day, 18:00) are read in the edition's time zone."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(18, 0))
    else:
        text = str(value).strip()
        try:
            if len(text) == 10:
                moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(18, 0))
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                field_name, f"not a time (YYYY-MM-DD or YYYY-MM-DD HH:MM): {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=uow.app.tz)
    return moment.astimezone(dt.UTC)



