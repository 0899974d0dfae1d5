"""An asset's full service history (终身服务档案): its own events, the tickets, repair
orders and return visits on it, in time order.

The other areas' tables are read by name: through the model that area registered as an
entity when there is one (so the record policies apply as to any ORM select), otherwise
by reflecting the table and keeping only rows of customers the principal may see. A
table that does not exist yet, or has no ``asset_id`` column, adds nothing: the history
does not depend on which areas are installed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select

from guanxi.access.enforce import require, visible_customers
from guanxi.app import UnitOfWork
from guanxi.services.staff import usernames
from guanxi_service.assets.common import ASSET_EVENT, get_asset
from guanxi_service.assets.models import AssetEvent


@dataclass(frozen=True)
class Source:
    """Where one kind of history entry is read from, and which columns say what."""

    name: str  # the entry's source: ticket, repair_order, return_visit
    table: str
    times: tuple[str, ...]  # the first of these columns that exists and is set
    kinds: tuple[str, ...]
    refs: tuple[str, ...]
    statuses: tuple[str, ...]
    summaries: tuple[str, ...]


SOURCES = (
    Source("ticket", "service_ticket", ("opened_at", "created_at"), ("type",), ("number",),
           ("status",), ("subject",)),
    Source("repair_order", "service_repair_order", ("opened_at", "created_at"),
           ("location", "billing"), ("number",), ("status", "step"),
           ("description", "step")),
    Source("return_visit", "service_visit", ("done_at", "planned_on", "due_on", "created_at"),
           ("channel",), ("plan",), ("outcome", "status"), ("title",)),
)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an asset's history."""

    at: dt.datetime
    source: str  # asset | ticket | repair_order | return_visit
    id: int
    kind: str | None  # the event's or ticket's kind
    ref: str | None  # a number people quote (SR-…, RO-…), or the event's change
    status: str | None
    summary: str | None
    actor: str | None = None


def _first(row: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        value = row.get(name)
        if value is not None:
            return value
    return None


def _moment(uow: UnitOfWork, value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=uow.app.tz).astimezone(dt.UTC)
    return None


def _registered_model(uow: UnitOfWork, table: str) -> Any:
    for entity in uow.app.access.entities.values():
        if getattr(entity.model, "__tablename__", None) == table:
            return entity.model
    return None


def _rows(uow: UnitOfWork, source: Source, asset_id: int) -> list[dict[str, Any]]:
    """The rows of ``source`` on the asset the principal may see, as plain mappings."""
    model = _registered_model(uow, source.table)
    if model is not None and "asset_id" in model.__table__.c:
        found = uow.session.exec(select(model).where(model.asset_id == asset_id)).scalars()
        return [{c.key: getattr(r, c.key) for c in model.__table__.c} for r in found]
    connection = uow.session.connection()
    if not inspect(connection).has_table(source.table):
        return []
    table = Table(source.table, MetaData(), autoload_with=connection)
    if "asset_id" not in table.c:
        return []
    query = select(table).where(table.c.asset_id == asset_id)
    visible = visible_customers(uow)
    if visible is not None:
        if "customer_id" not in table.c:
            return []  # nothing tells whose rows they are: show none rather than leak
        query = query.where(table.c.customer_id.in_(visible))
    return [dict(r._mapping) for r in connection.execute(query)]


def _entries(uow: UnitOfWork, source: Source, asset_id: int) -> list[HistoryEntry]:
    entries = []
    for row in _rows(uow, source, asset_id):
        at = _moment(uow, _first(row, source.times))
        if at is None or row.get("id") is None:
            continue
        summary = _first(row, source.summaries)
        entries.append(HistoryEntry(
            at=at, source=source.name, id=int(row["id"]), kind=_first(row, source.kinds),
            ref=_first(row, source.refs), status=_first(row, source.statuses),
            summary=None if summary is None else str(summary)[:200]))
    return entries


def asset_events(uow: UnitOfWork, asset_id: int) -> list[AssetEvent]:
    """The asset's own events the principal may see, oldest first."""
    require(uow, ASSET_EVENT, "read")
    return list(uow.session.exec(select(AssetEvent).where(AssetEvent.asset_id == asset_id)
                                 .order_by(AssetEvent.at, AssetEvent.id)).scalars())


def _change(event: AssetEvent) -> str | None:
    if event.from_value is not None and event.to_value is not None:
        return f"{event.from_value} → {event.to_value}"
    return event.to_value


def asset_history(uow: UnitOfWork, asset_id: int | str, *,
                  sources: tuple[str, ...] | None = None) -> list[HistoryEntry]:
    """Everything that happened to an asset, oldest first (NotFoundError if invisible).

    ``sources`` limits it (``asset``, ``ticket``, ``repair_order``, ``return_visit``).
    Tickets, repair orders and visits of a previous owner show only to those who may see
    that owner, as the events of that owner's period do.
    """
    asset = get_asset(uow, asset_id)
    assert asset.id is not None
    wanted = set(sources or ("asset", *(s.name for s in SOURCES)))
    entries: list[HistoryEntry] = []
    if "asset" in wanted:
        events = asset_events(uow, asset.id)
        actors = usernames(uow, [e.actor_id for e in events])
        entries += [HistoryEntry(at=e.at, source="asset", id=e.id or 0, kind=e.kind,
                                 ref=_change(e), status=None, summary=e.body,
                                 actor=actors.get(e.actor_id) if e.actor_id else None)
                    for e in events]
    for source in SOURCES:
        if source.name in wanted:
            entries += _entries(uow, source, asset.id)
    return sorted(entries, key=lambda e: (e.at, e.source != "asset", e.source, e.id))
