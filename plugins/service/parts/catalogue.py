"""The parts catalogue and the stock locations (备件目录, 备件库 / 服务站)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import clean_text, parse_choice, parse_money
from guanxi_service.parts.common import (
    LOCATION,
    PART,
    STOCK,
    get_location,
    get_part,
    parse_quantity,
    part_settings,
)
from guanxi_service.parts.models import LOCATION_KINDS, Part, Stock, StockLocation


def _code(value: str | None, field_name: str, limit: int) -> str:
    text = "".join((value or "").split()).upper()
    if not text or len(text) > limit:
        raise ValidationError(field_name, f"is required (at most {limit} characters)")
    return text


def add_part(uow: UnitOfWork, *, number: str, name: str, unit: str | None = None,
             unit_cost: Decimal | int | str = 0) -> Part:
    """Add a part to the catalogue; its number (upper-cased, spaces removed) is unique."""
    require(uow, PART, "create")
    code = _code(number, "number", 60)
    title = clean_text(name, "name", 200)
    if title is None:
        raise ValidationError("name", "is required")
    measure = clean_text(unit, "unit", 20) or part_settings(uow.app).default_unit
    cost = parse_money(unit_cost, "unit_cost")
    taken = uow.session.exec(select(Part.id).where(Part.number == code)).first()
    if taken is not None:
        raise ValidationError("number", f"part {code} already exists")
    part = Part(number=code, name=title, unit=measure, unit_cost=cost, created_at=uow.now,
                updated_at=uow.now)
    uow.session.add(part)
    uow.session.flush()
    return part


def set_part_cost(uow: UnitOfWork, ref: int | str, unit_cost: Decimal | int | str) -> Part:
    """A new standard unit cost (later movements are valued at it; earlier keep theirs)."""
    require(uow, PART, "update")
    part = get_part(uow, ref)
    part.unit_cost, part.updated_at = parse_money(unit_cost, "unit_cost"), uow.now
    uow.session.flush()
    return part


def list_parts(uow: UnitOfWork, *, search: str | None = None, limit: int = 200) -> list[Part]:
    """Parts by number; ``search`` matches part of the number or the name."""
    require(uow, PART, "read")
    query = select(Part)
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(Part.number.ilike(pattern) | Part.name.ilike(pattern))
    return list(uow.session.exec(query.order_by(Part.number).limit(limit)).scalars())


def add_location(uow: UnitOfWork, *, code: str, name: str, kind: str = "warehouse",
                 region: str | None = None) -> StockLocation:
    """Add a warehouse or service station, with its region (华东, 西南 …)."""
    require(uow, LOCATION, "create")
    key = _code(code, "code", 30)
    title = clean_text(name, "name", 200)
    if title is None:
        raise ValidationError("name", "is required")
    what = parse_choice(kind, LOCATION_KINDS, "kind")
    area = clean_text(region, "region", 100)
    taken = uow.session.exec(select(StockLocation.id).where(StockLocation.code == key)).first()
    if taken is not None:
        raise ValidationError("code", f"location {key} already exists")
    location = StockLocation(code=key, name=title, kind=what, region=area, created_at=uow.now)
    uow.session.add(location)
    uow.session.flush()
    return location


def list_locations(uow: UnitOfWork, *, region: str | None = None) -> list[StockLocation]:
    """Stock locations by code."""
    require(uow, LOCATION, "read")
    query = select(StockLocation)
    if region:
        query = query.where(StockLocation.region == region.strip())
    return list(uow.session.exec(query.order_by(StockLocation.code)).scalars())


def stock_row(uow: UnitOfWork, part_id: int, location_id: int, *, create: bool,
              lock: bool = False) -> Stock | None:
    """The stock row of a part at a location; created empty when ``create`` (a savepoint
    absorbs a concurrent creation of the same row); ``lock`` holds its row lock."""
    from sqlalchemy.exc import IntegrityError

    query = select(Stock).where(Stock.part_id == part_id, Stock.location_id == location_id)
    if lock:
        query = query.with_for_update()
    row = uow.session.exec(query.execution_options(populate_existing=True)).scalars().first()
    if row is not None or not create:
        return row
    try:
        with uow.session.begin_nested():
            row = Stock(part_id=part_id, location_id=location_id, updated_at=uow.now)
            uow.session.add(row)
    except IntegrityError:
        row = uow.session.exec(query.execution_options(populate_existing=True)).scalars().one()
    return row


def set_reorder(uow: UnitOfWork, part: int | str, location: int | str, *,
                point: int | str | None, quantity: int | str | None = None) -> Stock:
    """Set (or with ``point=None`` clear) the reorder point of a part at a location: it is
    low on stock when available ≤ the point; ``quantity`` is what to order then."""
    require(uow, STOCK, "update")
    found, where = get_part(uow, part), get_location(uow, location)
    level = (parse_quantity(point, "point", allow_zero=True) if point not in (None, "")
             else None)
    amount = parse_quantity(quantity, "quantity") if quantity not in (None, "") else None
    row = stock_row(uow, found.id, where.id, create=True)
    assert row is not None
    row.reorder_point, row.reorder_quantity, row.updated_at = level, amount, uow.now
    uow.session.flush()
    return row
