"""Moving a merge's rows to the survivor, journalled so that undo puts them back.

For every table that points at a customer (:func:`~.journal.customer_tables`):

* every row that can move is **moved**: one UPDATE per table and column, the moved keys
  kept as id ranges (a customer may have 100,000 interactions);
* a row of a retired customer whose move would break a unique key that includes the
  customer column (a role, a tag, a rollup, a plugin's one-row-per-customer table), or
  that is the survivor's row again (the same email or phone), stays where it is while
  the ``customers_merged`` hooks run (a plugin may combine it into the survivor's), and
  is then **dropped**: deleted and kept whole in the journal. Rows of other tables that
  referred to it by foreign key are **redirected** to the row kept in its place (the
  retired member's points entries to the survivor's membership);
* whatever the hooks change, delete or create is found by comparing snapshots taken
  before and after (every table but the append-only log), and journalled as
  before-images and created keys.

:func:`undo_rows` reverses all of it; moved rows only get their customer column back,
so what was edited on them since the merge stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, insert, select, update

from guanxi.db.chunks import chunks

from .journal import (
    LOG_TABLE,
    CustomerTable,
    Key,
    Row,
    by_keys,
    customer_tables,
    decode_key,
    decode_row,
    encode_key,
    encode_row,
    encode_value,
    key_condition,
    range_conditions,
    ranges,
    referring_columns,
    registered_tables,
    snapshot,
)

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork


@dataclass
class Redirect:
    """Rows of ``table`` whose ``column`` pointed at a dropped row, now at its keeper."""

    table: Table
    column: str
    old: Any
    new: Any
    keys: list[Key]


@dataclass
class MovePlan:
    """What a merge does to the rows of the survivor and the merged customers."""

    survivor_id: int
    merged_ids: list[int]
    tables: list[CustomerTable]
    before: dict[str, dict[Key, Row]]
    dropped: dict[str, dict[Key, Key]] = field(default_factory=dict)  # dropped → keeper
    log_ids: dict[int, list[int]] = field(default_factory=dict)  # merged id → interactions
    redirects: list[Redirect] = field(default_factory=list)

    def to_survivor(self, value: Any) -> Any:
        """A customer id as it is after the merge."""
        return self.survivor_id if value in self.merged_ids else value

    def after_key(self, ct: CustomerTable, row: Mapping[str, Any]) -> Key:
        """A row's primary key once its customer columns point at the survivor."""
        return tuple(self.to_survivor(row[c]) if c in ct.columns else row[c] for c in ct.pk)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per table, how many rows move to the survivor and how many are dropped."""
        out: dict[str, dict[str, int]] = {}
        merged = set(self.merged_ids)
        for ct in self.tables:
            if ct.name == LOG_TABLE:
                moved = sum(len(v) for v in self.log_ids.values())
                dropped = 0
            else:
                drops = self.dropped.get(ct.name, {})
                moved = sum(1 for k, row in self.before[ct.name].items()
                            if k not in drops and any(row[c] in merged for c in ct.columns))
                dropped = len(drops)
            if moved or dropped:
                out[ct.name] = {"moved": moved, "dropped": dropped}
        return out


def plan_moves(uow: UnitOfWork, survivor_id: int, merged_ids: Sequence[int]) -> MovePlan:
    """Read the rows involved and decide which move and which are dropped (writes nothing)."""
    connection = uow.session.connection()
    everyone = [survivor_id, *merged_ids]
    plan = MovePlan(survivor_id, list(merged_ids), customer_tables(uow.app), {})
    for ct in plan.tables:
        if ct.name == LOG_TABLE:
            ids = ct.table.c.id
            for merged in merged_ids:
                query = select(ids).where(ct.table.c.customer_id == merged).order_by(ids)
                plan.log_ids[merged] = list(connection.scalars(query))
            continue
        plan.before[ct.name] = snapshot(connection, ct, everyone)
        drops = _duplicates(plan, ct, everyone)
        if drops:
            plan.dropped[ct.name] = drops
    return plan


def _duplicates(plan: MovePlan, ct: CustomerTable, everyone: list[int]) -> dict[Key, Key]:
    """Rows that would be a second copy under one of the table's unique keys, and keepers."""
    rank = {cid: i for i, cid in enumerate(everyone)}
    rows = plan.before[ct.name]
    dropped: dict[Key, Key] = {}
    for unique in ct.uniques:
        groups: dict[tuple[Any, ...], list[Key]] = {}
        for key, row in rows.items():
            if key in dropped:
                continue
            values = tuple(plan.to_survivor(row[c]) if c in ct.columns else row[c]
                           for c in unique)
            if any(v is None for v in values):  # NULLs never collide
                continue
            groups.setdefault(values, []).append(key)
        for keys in groups.values():
            if len(keys) < 2:
                continue
            # The survivor's own row is kept; else the first merged record's.
            ordered = sorted(keys, key=lambda k: (
                [rank.get(rows[k][c], len(rank)) for c in ct.columns if c in unique], str(k)))
            for key in ordered[1:]:
                dropped[key] = ordered[0]
    return dropped


def _redirects(uow: UnitOfWork, plan: MovePlan) -> list[Redirect]:
    connection = uow.session.connection()
    found = []
    for ct in plan.tables:
        drops = plan.dropped.get(ct.name)
        if not drops:
            continue
        rows = plan.before[ct.name]
        for other, column, referred in referring_columns(uow.app, ct.table):
            other_drops = plan.dropped.get(other.name, {})
            pk = [other.c[c.name] for c in other.primary_key.columns]
            for dropped_key, keeper_key in drops.items():
                old, new = rows[dropped_key][referred], rows[keeper_key][referred]
                if old == new or old is None:
                    continue
                query = select(*pk).where(other.c[column] == old)
                keys = [tuple(k) for k in connection.execute(query) if tuple(k) not in other_drops]
                if keys:
                    found.append(Redirect(other, column, old, new, keys))
    return found


def _tables(plan: MovePlan) -> dict[str, CustomerTable]:
    return {ct.name: ct for ct in plan.tables}


def _pk_of(table: Table) -> CustomerTable:
    return CustomerTable(table, (), ())


def apply_moves(uow: UnitOfWork, plan: MovePlan) -> None:
    """Move every row that can move to the survivor (the duplicates stay for the hooks)."""
    connection = uow.session.connection()
    for ct in plan.tables:
        drops = list(plan.dropped.get(ct.name, {}))
        for column in ct.columns:
            statement = (update(ct.table).where(ct.table.c[column].in_(plan.merged_ids))
                         .values({column: plan.survivor_id}))
            if drops:  # a few rows at most: roles, tags, one-per-customer rows
                statement = statement.where(~key_condition(ct, drops))
            connection.execute(statement)
    _one_primary_per_kind(uow, plan)


def drop_duplicates(uow: UnitOfWork, plan: MovePlan) -> None:
    """After the hooks: redirect what refers to a duplicate row to its keeper, delete it."""
    connection = uow.session.connection()
    plan.redirects = _redirects(uow, plan)
    for r in plan.redirects:
        for condition in by_keys(_pk_of(r.table), r.keys):
            connection.execute(update(r.table).where(condition).values({r.column: r.new}))
    for ct in reversed(plan.tables):  # rows that refer to others go first
        drops = plan.dropped.get(ct.name)
        if drops:
            for condition in by_keys(ct, list(drops)):
                connection.execute(delete(ct.table).where(condition))


def _one_primary_per_kind(uow: UnitOfWork, plan: MovePlan) -> None:
    """The survivor's own primary email (phone, …) stays primary; moved ones step down."""
    from guanxi.models import ContactPoint

    table = ContactPoint.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    query = (select(table.c.id, table.c.kind).where(table.c.customer_id == plan.survivor_id,
                                                   table.c.is_primary.is_(True)))
    before = plan.before.get("contact_point", {})
    rank = {cid: i for i, cid in enumerate([plan.survivor_id, *plan.merged_ids])}
    seen: set[str] = set()
    demote = []
    rows = sorted(connection.execute(query),
                  key=lambda r: (rank.get(before.get((r.id,), {}).get("customer_id", -1), 99),
                                 r.id))
    for point_id, kind in rows:
        if kind in seen:
            demote.append(point_id)
        seen.add(kind)
    if demote:
        connection.execute(update(table).where(table.c.id.in_(demote)).values(is_primary=False))


# --------------------------------------------------------------------------- journal


def journal_rows(uow: UnitOfWork, plan: MovePlan) -> dict[str, Any]:
    """The journal of the rows: compare what is there now with the plan's snapshots.

    Call after the hooks ran: what they changed, deleted or created is journalled too.
    """
    connection = uow.session.connection()
    redirected: dict[tuple[str, Key], dict[str, Any]] = {}
    for r in plan.redirects:
        for key in r.keys:
            redirected.setdefault((r.table.name, key), {})[r.column] = r.new
    moves: list[dict[str, Any]] = []
    rekeyed: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    for ct in plan.tables:
        if ct.name == LOG_TABLE:
            for merged, ids in plan.log_ids.items():
                if ids:
                    moves.append({"table": ct.name, "column": "customer_id", "from": merged,
                                  "ranges": ranges(ids)})
            continue
        drops = plan.dropped.get(ct.name, {})
        now = snapshot(connection, ct, [plan.survivor_id, *plan.merged_ids])
        expected: dict[Key, tuple[Key, Row]] = {}
        for key, row in plan.before[ct.name].items():
            if key in drops:
                deleted.append({"table": ct.name, "row": encode_row(row)})
                continue
            after = {c: plan.to_survivor(v) if c in ct.columns else v for c, v in row.items()}
            after.update(redirected.get((ct.name, key), {}))
            expected[plan.after_key(ct, row)] = (key, after)
        moved_back: dict[tuple[str, Any], list[Any]] = {}
        for new_key, (key, after) in expected.items():
            row = plan.before[ct.name][key]
            if new_key not in now:
                deleted.append({"table": ct.name, "row": encode_row(row)})
                continue
            if now[new_key] != after:
                changed.append({"table": ct.name, "key": encode_key(new_key),
                                "row": encode_row(row)})
            was = {c: row[c] for c in ct.columns if row[c] in plan.merged_ids}
            if not was:
                continue
            if ct.int_pk:
                for column, value in was.items():
                    moved_back.setdefault((column, value), []).append(key[0])
            elif now[new_key] == after:  # a changed row comes back whole anyway
                rekeyed.append({"table": ct.name, "key": encode_key(new_key),
                                "from": {c: encode_value(v) for c, v in was.items()}})
        for (column, value), ids in moved_back.items():
            moves.append({"table": ct.name, "column": column, "from": value,
                          "ranges": ranges(ids)})
        created += [{"table": ct.name, "key": encode_key(k)} for k in now if k not in expected]
    redirects = [{"table": r.table.name, "column": r.column, "from": encode_value(r.old),
                  "to": encode_value(r.new), "keys": [encode_key(k) for k in r.keys]}
                 for r in plan.redirects]
    return {"moves": moves, "rekeyed": rekeyed, "redirects": redirects, "deleted": deleted,
            "changed": changed, "created": created}


# --------------------------------------------------------------------------- undo


def undo_rows(uow: UnitOfWork, journal: Mapping[str, Any], survivor_id: int) -> dict[str, int]:
    """Put the rows back as they were before the merge; return counts of what was done.

    The retired customer rows must exist again before this runs.
    """
    connection = uow.session.connection()
    tables = {ct.name: ct for ct in customer_tables(uow.app)}
    order = list(tables)
    counts = {"created_removed": 0, "restored": 0, "changed_back": 0, "gone_since": 0,
              "moved_back": 0}

    def known(entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        # A plugin disabled since the merge: its rows cannot be put back (its tables are
        # not loaded); they stay where the merge left them.
        return [e for e in entries if e["table"] in tables]

    by_table: dict[str, list[Key]] = {}
    for entry in known(journal.get("created", ())):
        by_table.setdefault(entry["table"], []).append(decode_key(tables[entry["table"]],
                                                                  entry["key"]))
    for name in reversed(order):
        for condition in by_keys(tables[name], by_table.get(name, [])):
            counts["created_removed"] += connection.execute(
                delete(tables[name].table).where(condition)).rowcount
    rows_by_table: dict[str, list[Row]] = {}
    for entry in known(journal.get("deleted", ())):
        rows_by_table.setdefault(entry["table"], []).append(
            decode_row(tables[entry["table"]].table, entry["row"]))
    for name in order:
        for part in chunks(rows_by_table.get(name, []), 200):
            connection.execute(insert(tables[name].table), list(part))
            counts["restored"] += len(part)
    for entry in known(journal.get("changed", ())):
        ct = tables[entry["table"]]
        condition = next(by_keys(ct, [decode_key(ct, entry["key"])]))
        done = connection.execute(update(ct.table).where(condition)
                                  .values(decode_row(ct.table, entry["row"]))).rowcount
        counts["changed_back" if done else "gone_since"] += 1
    for entry in known(journal.get("rekeyed", ())):
        ct = tables[entry["table"]]
        condition = next(by_keys(ct, [decode_key(ct, entry["key"])]))
        values = {c: v for c, v in entry["from"].items()}
        counts["moved_back"] += connection.execute(
            update(ct.table).where(condition).values(values)).rowcount
    for entry in known(journal.get("moves", ())):
        ct = tables[entry["table"]]
        column = ct.table.c[entry["column"]]
        for condition in range_conditions(ct.table.c[ct.pk[0]], entry["ranges"]):
            counts["moved_back"] += connection.execute(
                update(ct.table).where(condition, column == survivor_id)
                .values({entry["column"]: entry["from"]})).rowcount
    _redirect_back(uow, journal)
    return counts


def _redirect_back(uow: UnitOfWork, journal: Mapping[str, Any]) -> None:
    connection = uow.session.connection()
    tables = {t.name: t for t in registered_tables(uow.app)}
    for entry in journal.get("redirects", ()):
        table = tables.get(entry["table"])
        if table is None:
            continue
        ct = _pk_of(table)
        column = table.c[entry["column"]]
        keys = [decode_key(ct, k) for k in entry["keys"]]
        for condition in by_keys(ct, keys):
            connection.execute(update(table).where(condition, column == entry["to"])
                               .values({entry["column"]: entry["from"]}))
