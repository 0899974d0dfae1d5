"""Input types for routes: values a database can hold, refused cleanly otherwise.

Some input passes a route's type check and then fails in the database instead of being
refused: an id beyond a 64-bit integer (SQLite cannot even bind it) and a NUL character
in text (PostgreSQL cannot store it). Routes of the core and of plugins use these types
so such input is a 422 naming the field, never a server error.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, Field

MAX_ID = 2**63 - 1  # ids are BIGINT: no record has a larger one
NO_NUL = r"^[^\x00]*$"

RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A record id in a body (1 … 2**63 - 1)."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id")]
"""A record id in the path (1 … 2**63 - 1)."""


def no_nul(value: str | None) -> str | None:
    """Refuse text with a NUL character (as a ``ValueError``, so pydantic names the field)."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(no_nul)]
"""Text without NUL characters."""


def query_text(description: str, max_length: int = 200) -> Any:
    """A free-text query parameter (no NUL characters)."""
    return Query(max_length=max_length, pattern=NO_NUL, description=description)
