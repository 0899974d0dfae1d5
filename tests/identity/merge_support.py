"""Helpers for the merge tests: every table dumped, so a round trip can be compared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from guanxi.app import App
from guanxi.identity.journal import registered_tables

# What a merge and its undo write on purpose: the audit trail, the merges, retired ids
# and the review queue (pairs closed by the merge are reopened, but their history stays).
BOOKKEEPING = {"audit_log", "customer_merge", "merged_customer", "duplicate_pair"}


def dump(app: App, *, skip: set[str] = frozenset()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every registered table (core and plugins), sorted, by table name."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with app.engine.connect() as connection:
        for table in registered_tables(app):
            if table.name in BOOKKEEPING or table.name in skip:
                continue
            rows = [tuple(sorted(r._mapping.items())) for r in connection.execute(select(table))]
            out[table.name] = sorted(rows, key=repr)
    return out


def diff(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> dict[str, Any]:
    """Tables whose rows differ: the rows only before and only after."""
    found = {}
    for name in before:
        gone = [r for r in before[name] if r not in after[name]]
        new = [r for r in after[name] if r not in before[name]]
        if gone or new:
            found[name] = {"only_before": gone, "only_after": new}
    return found
