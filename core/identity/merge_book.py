"""The merge's bookkeeping: the review queue's pairs, and journals scrubbed by erasure.

* Pairs among the merged records are closed (``state='merged'`` with the merge's id);
  a pair between a retired record and a third customer is re-pointed to the survivor,
  or dropped when the survivor already has that pair. Before-images go in the journal.
* Erasing a customer scrubs the journals of the merges it took part in (they hold his
  personal data): such a merge can no longer be undone, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from guanxi.app import UnitOfWork
from guanxi.models import CustomerMerge, DuplicatePair

from .journal import decode_row, encode_row

_PAIRS = DuplicatePair.__table__  # type: ignore[attr-defined]
_MERGES = CustomerMerge.__table__  # type: ignore[attr-defined]


def repoint_pairs(uow: UnitOfWork, survivor_id: int, merged_ids: Sequence[int],
                  merge_id: int) -> dict[str, list[dict[str, Any]]]:
    """Close, re-point or drop the pairs that name a merged record; return before-images."""
    connection = uow.session.connection()
    involved = {survivor_id, *merged_ids}
    rows = [dict(r) for r in connection.execute(
        select(_PAIRS).where(or_(_PAIRS.c.left_id.in_(involved),
                                 _PAIRS.c.right_id.in_(involved))).order_by(_PAIRS.c.id)
    ).mappings()]
    taken = {(r["left_id"], r["right_id"]) for r in rows}
    changed: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for row in rows:
        left, right = row["left_id"], row["right_id"]
        if left in involved and right in involved:
            if row["state"] == "merged":
                continue
            values: dict[str, Any] = {"state": "merged", "merge_id": merge_id,
                                      "decided_at": uow.now, "decided_by_id": uow.actor_id}
        elif left in merged_ids or right in merged_ids:
            other = right if left in merged_ids else left
            pair = (min(survivor_id, other), max(survivor_id, other))
            if pair in taken:
                dropped.append(encode_row(row))
                connection.execute(delete(_PAIRS).where(_PAIRS.c.id == row["id"]))
                continue
            taken.add(pair)
            values = {"left_id": pair[0], "right_id": pair[1]}
        else:
            continue
        changed.append(encode_row(row))
        connection.execute(update(_PAIRS).where(_PAIRS.c.id == row["id"]).values(**values))
    return {"changed": changed, "dropped": dropped}


def restore_pairs(uow: UnitOfWork, journal: Mapping[str, Any]) -> None:
    """Put the pairs a merge closed, re-pointed or dropped back as they were."""
    connection = uow.session.connection()
    for row in journal.get("changed", ()):
        values = decode_row(_PAIRS, row)
        connection.execute(update(_PAIRS).where(_PAIRS.c.id == values["id"]).values(**values))
    dropped = [decode_row(_PAIRS, row) for row in journal.get("dropped", ())]
    if dropped:
        connection.execute(insert(_PAIRS), dropped)


def scrub_merge_journals(uow: UnitOfWork, customer_id: int) -> int:
    """Blank the journals and choices of every merge ``customer_id`` took part in.

    Called by erasure: a journal holds whole rows of the merged records. The merge stays
    (who merged what, when) but can no longer be undone. Returns how many were scrubbed.
    """
    connection = uow.session.connection()
    query = select(_MERGES.c.id, _MERGES.c.survivor_id, _MERGES.c.merged_ids)
    hit = [merge_id for merge_id, survivor, merged in connection.execute(query)
           if survivor == customer_id or customer_id in (merged or [])]
    if hit:
        connection.execute(update(_MERGES).where(_MERGES.c.id.in_(hit)).values(
            journal={"scrubbed_at": uow.now.isoformat(), "erased_customer": customer_id},
            choices={}, reason=None))
    return len(hit)
