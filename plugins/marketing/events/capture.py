"""New contacts met at an event, captured as leads (source ``event``, the event's campaign).

The leads themselves belong to the leads area (``capture_lead``); this module validates
the rows, links every lead to its event (:class:`EventLead`, for the event report) and
reads the contacts from a CSV file. One bad row rejects the whole batch: the error names
the row (as a person counts rows in a file: the header is row 1) and the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.importing.csvfile import codec_name, open_text, read_records
from guanxi_marketing.events.common import EVENT_LEAD
from guanxi_marketing.events.events import event_with_campaign
from guanxi_marketing.events.models import EventLead

CONTACT_COLUMNS = ("name", "company", "email", "phone", "interest", "notes")
LEAD_SOURCE = "event"


def _contact(row: Mapping[str, Any], number: int) -> dict[str, str | None]:
    unknown = sorted(set(row) - set(CONTACT_COLUMNS))
    if unknown:
        raise ValidationError(unknown[0], f"unknown column (known: {', '.join(CONTACT_COLUMNS)})",
                              row=number)
    values = {key: (str(row[key]).strip() or None) if row.get(key) is not None else None
              for key in CONTACT_COLUMNS}
    if values["name"] is None:
        raise ValidationError("name", "is required", row=number)
    return values


def capture_contacts(
    uow: UnitOfWork, event_id: int, rows: Sequence[Mapping[str, Any]], *, first_row: int = 1
) -> list[int]:
    """Capture each row (name, company, email, phone, interest, notes) as a lead of the
    event's campaign; returns the new lead ids in row order.

    Row ``i`` of ``rows`` is called row ``first_row + i`` in errors (2 for a CSV file's
    first data row). An error in any row is raised at once; the caller's transaction then
    stores nothing.
    """
    from guanxi_marketing.leads.service import capture_lead

    require(uow, EVENT_LEAD, "create")
    event, campaign = event_with_campaign(uow, event_id)
    contacts = [_contact(row, first_row + i) for i, row in enumerate(rows)]
    if not contacts:
        raise ValidationError("rows", "no contacts to capture")
    lead_ids = []
    for index, contact in enumerate(contacts):
        try:
            lead = capture_lead(uow, source=LEAD_SOURCE, campaign_id=campaign.id, **contact)
        except ValidationError as exc:
            raise exc.at_row(first_row + index) from None
        uow.session.add(EventLead(event_id=event.id, lead_id=lead.id, captured_at=uow.now,
                                  captured_by_id=uow.actor_id))
        lead_ids.append(lead.id)
    uow.session.flush()
    return lead_ids


def read_contacts_csv(path: Path | str, *, encoding: str | None = None) -> list[dict[str, str]]:
    """The contacts of a CSV file with a header row (columns: :data:`CONTACT_COLUMNS`).

    Errors name the file row: the header is row 1, the first contact row 2, so contact
    ``i`` is row ``i + 2`` (give ``first_row=2`` to :func:`capture_contacts`).
    """
    path = Path(path)
    with open_text(path, codec_name(encoding)) as handle:
        records = list(read_records(handle, path))
    if not records:
        raise ValidationError(None, f"{path}: the file is empty")
    _, header = records[0]
    columns = [cell.strip().lower() for cell in header]
    for column in columns:
        if column not in CONTACT_COLUMNS:
            raise ValidationError(column or "(empty)",
                                  f"unknown column (known: {', '.join(CONTACT_COLUMNS)})", row=1)
    if "name" not in columns:
        raise ValidationError("name", "the header has no name column", row=1)
    body = records[1:]
    while body and not any(cell.strip() for cell in body[-1][1]):
        body.pop()  # blank lines at the end, as spreadsheets leave them
    contacts = []
    for number, cells in body:
        if len(cells) != len(columns):
            raise ValidationError(None, f"has {len(cells)} cells, the header {len(columns)}",
                                  row=number)
        contacts.append(dict(zip(columns, cells, strict=True)))
    return contacts
