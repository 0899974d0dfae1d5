"""Checks on what HTTP clients send, before the tickets service sees it.

The service validates meaning (statuses, transitions, who may be assigned); these
checks keep out what would otherwise reach the database as an error rather than an
answer: ids beyond a 64-bit integer, NUL characters (PostgreSQL refuses them in text),
digits that are not ASCII.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from guanxi.errors import ValidationError
from guanxi.web.inputs import MAX_ID, Text, no_nul
from guanxi.web.inputs import RecordId as Id

__all__ = ["MAX_ID", "Id", "Text", "fields_renamed", "no_nul", "reference"]

MAX_REF = 80  # a username, a team name or an id


def reference(value: str | None, field_name: str) -> str | None:
    """A staff user or team given by name or id, safe to look up (None stays None)."""
    if value is None:
        return None
    text = value.strip()
    if "\x00" in text or len(text) > MAX_REF:
        raise ValidationError(field_name, f"no {field_name} {value[:MAX_REF]!r}")
    if text.isdigit() and (not text.isascii() or int(text) > MAX_ID):
        raise ValidationError(field_name, f"no {field_name} {text!r}")
    return text


@contextmanager
def fields_renamed(**names: str) -> Iterator[None]:
    """Report a service's field by the name the client used (``assignee_id`` →
    ``assignee``), so every error names what the request called it."""
    try:
        yield
    except ValidationError as exc:
        if exc.field not in names:
            raise
        raise ValidationError(names[exc.field], exc.reason, row=exc.row) from None
