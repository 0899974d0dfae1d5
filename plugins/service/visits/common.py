"""What the visits modules share: the entity name, lookups and input parsing.

Lookups read through ORM queries on ``uow.session``, so the record policies of the
acting principal decide what is found: a visit of a customer the user may not see, and
not assigned to him, is "not found".
"""

from __future__ import annotations

from sqlalchemy import select

from guanxi import inputs
from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.visits.models import Visit

VISIT = "service.visit"
MAX_TEXT = 4000


def get_visit(uow: UnitOfWork, visit_id: int | str) -> Visit:
    """A visit the principal may see; :class:`NotFoundError` otherwise."""
    require(uow, VISIT, "read")
    text = str(visit_id).strip()
    if not text.isdigit():
        raise ValidationError("visit", f"not a visit id: {visit_id!r}")
    found = uow.session.exec(select(Visit).where(Visit.id == int(text))).scalars().first()
    if found is None:
        raise NotFoundError(f"no return visit {visit_id}")
    return found






def clean_text(value: str | None, field_name: str, limit: int = MAX_TEXT) -> str | None:
    """Stripped free text (empty: None), at most ``limit`` characters (the visits' own
    default bound)."""
    return inputs.clean_text(value, field_name, limit)
