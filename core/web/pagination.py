"""Keyset pagination for API listings.

A listing returns ``{"items": [...], "next": CURSOR}``; the client passes the cursor
back as ``?after=CURSOR`` for the next page, and ``next`` is null on the last page.
The cursor is the sort key of the last row, base64-encoded JSON: opaque to clients,
stable while rows are added (no OFFSET skipping or repeating rows), and each page is
one index range scan however deep the client goes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, tuple_

from guanxi.errors import ValidationError

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a listing and the cursor of the next (null on the last page)."""

    items: list[T]
    next: str | None = None


def encode_cursor(values: Sequence[Any]) -> str:
    """The opaque cursor of a row's sort key."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The sort key in a cursor; a bad one is a :class:`ValidationError` on ``after``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("after", "is not a cursor this API gave out") from None
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationError("after", "is not a cursor this API gave out")
    if not all(isinstance(value, (int, str)) for value in values):
        raise ValidationError("after", "is not a cursor this API gave out")
    if any(isinstance(value, int) and not -(2**63) <= value < 2**63 for value in values):
        raise ValidationError("after", "is not a cursor this API gave out")
    return values


def keyset(
    statement: Select[Any],
    columns: Sequence[Any],
    *,
    after: str | None,
    limit: int,
    descending: bool = False,
    convert: Sequence[Any] | None = None,
) -> Select[Any]:
    """``statement`` ordered by ``columns`` (unique together), from after the cursor,
    with one row more than ``limit`` so the caller knows whether a next page exists.

    ``convert`` turns each cursor value back into the column's type (a ``datetime``
    from its ISO text, say); by default values are used as decoded.
    """
    key = tuple_(*columns) if len(columns) > 1 else columns[0]
    if after is not None:
        values = decode_cursor(after, len(columns))
        if convert is not None:
            try:
                values = [fn(value) for fn, value in zip(convert, values, strict=True)]
            except (TypeError, ValueError):
                raise ValidationError("after", "is not a cursor this API gave out") from None
        bound = tuple_(*values) if len(columns) > 1 else values[0]
        statement = statement.where(key < bound if descending else key > bound)
    order = [column.desc() if descending else column.asc() for column in columns]
    return statement.order_by(*order).limit(limit + 1)


def page_of(rows: Sequence[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """The first ``limit`` rows and the cursor after the last (None: no more rows).

    ``key(row)`` gives the row's sort key values, in the order given to :func:`keyset`.
    """
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, encode_cursor(key(items[-1])) if more and items else None
