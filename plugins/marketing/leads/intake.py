"""Leads from files and forms: CSV imports with a reject report, and posted web forms.

Both end in :func:`~guanxi_marketing.leads.service.capture`, so a lead from a file or a
form is validated, de-duplicated and scored exactly like one typed in.

A CSV import reads the file with the core importer's readers (codecs, row numbering,
the reject file's layout) and stores every row in one transaction, each row in a
savepoint: a bad row is rolled back alone and written to the reject file with its row
number, column and reason. With ``all_or_nothing`` one bad row rejects the file and
nothing is stored. (Lead files are small: a trade show's cards, a purchased list; the
core's batching for millions of rows is not needed here.)

A web form arrives as a mapping of field names to values (a parsed urlencoded or JSON
body); ``LeadSettings.form_fields`` says which form field feeds which lead field, and
what is left over goes to the lead's notes, so nothing the person wrote is lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from guanxi.app import App, UnitOfWork
from guanxi.errors import ValidationError
from guanxi.importing import (  # the core's reject-file writer
    ImportFileError,
    ImportReport,
    MappingError,
    Reject,
    RejectFile,
)
from guanxi.importing.csvfile import codec_name, open_text, read_records
from guanxi_marketing.leads.common import lead_settings
from guanxi_marketing.leads.service import CaptureResult, capture
from guanxi_marketing.leads.settings import LEAD_FIELDS

LEADS = "leads"
# Columns an import may fill besides the lead fields.
IMPORT_FIELDS = (*LEAD_FIELDS, "owner", "currency")


@dataclass
class LeadImportReport(ImportReport):
    """An import's outcome; ``merged`` rows were folded into an open lead of the person."""

    merged: int = 0
    all_or_nothing: bool = False
    errors: list[str] | None = None  # one line per rejected row


class _Rollback(Exception):
    """Raised inside the import's transaction so that it rolls back (dry run, rejects)."""


def _plan(
    path: Path, header: list[str], app: App, explicit: Mapping[str, str]
) -> dict[int, str]:
    """Column index → lead field, from explicit ``column=field`` pairs and known names."""
    synonyms = {k.casefold(): v for k, v in lead_settings(app).form_fields.items()}
    synonyms.update({field: field for field in IMPORT_FIELDS})
    plan: dict[int, str] = {}
    for index, column in enumerate(header):
        key = column.strip()
        field = explicit[key] if key in explicit else synonyms.get(key.casefold())
        if field:
            if field not in IMPORT_FIELDS:
                raise MappingError(f"--map {key}={field}: {field!r} is not a lead field")
            plan[index] = field
    if "name" not in plan.values():
        raise ImportFileError(path, "no 'name' column (map one with --map COLUMN=name)", row=1)
    return plan


def _row_fields(plan: dict[int, str], cells: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for index, field in plan.items():
        value = cells[index].strip() if index < len(cells) else ""
        if value:
            fields[field] = value
    fields.setdefault("name", "")
    return fields


def _column_of(plan: dict[int, str], header: list[str], field: str | None) -> str:
    for index, mapped in plan.items():
        if mapped == field:
            return header[index].strip()
    return field or ""


def import_leads(
    app: App,
    path: Path | str,
    *,
    as_user: str | None = None,
    source: str = "csv",
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    rejects: Path | str | None = None,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> LeadImportReport:
    """Capture a lead from each row of a CSV file (header row first; see the module doc).

    Raises :class:`ImportFileError` with nothing stored if the file cannot be read.
    """
    path = Path(path)
    reject_path = Path(rejects) if rejects is not None else path.with_suffix(".rejects.csv")
    if reject_path.resolve() == path.resolve():
        raise ImportFileError(path, "the reject file cannot be the file imported")
    if not os.access(reject_path.parent.resolve(), os.W_OK):
        raise ImportFileError(reject_path, "cannot write the reject file in this folder")
    codec = codec_name(encoding)
    report = LeadImportReport(LEADS, str(path), dry_run=dry_run, all_or_nothing=all_or_nothing,
                              batches=1, errors=[])
    found: list[Reject] = []
    with open_text(path, codec) as handle:
        records = read_records(handle, path)
        _, header = next(records, (1, []))
        plan = _plan(path, header, app, mapping or {})
        report.ignored_columns = [c for i, c in enumerate(header) if i not in plan]
        try:
            with app.transaction(as_user=as_user) as uow:
                for number, cells in records:
                    if not any(cell.strip() for cell in cells):
                        continue
                    report.rows += 1
                    try:
                        with uow.session.begin_nested():
                            outcome = capture(uow, source=source, **_row_fields(plan, cells))
                    except ValidationError as exc:
                        column = _column_of(plan, header, exc.field)
                        found.append(Reject(number, column, exc.reason, tuple(cells)))
                        continue
                    report.stored += 1
                    report.merged += outcome.outcome == "merged"
                if dry_run or (all_or_nothing and found):
                    raise _Rollback
        except _Rollback:
            pass
    _report_rejects(report, found, reject_path, header, codec)
    return report


def _report_rejects(
    report: LeadImportReport, found: list[Reject], reject_path: Path, header: list[str],
    codec: str,
) -> None:
    report.rejected = len(found)
    report.errors = [f"row {r.row}, column {r.column!r}: {r.reason}" for r in found]
    if report.all_or_nothing and found:
        report.stored = report.merged = 0
    if not found:
        return
    writer = RejectFile(reject_path, header, codec)
    try:
        writer.write(found)
    finally:
        writer.close()
    report.rejects_path = str(reject_path)


# ----------------------------------------------------------------------------- forms


def parse_form_body(text: str) -> dict[str, Any]:
    """A posted body as a mapping: a JSON object, or ``application/x-www-form-urlencoded``."""
    body = text.strip()
    if body.startswith("{"):
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON: {exc.msg} at position {exc.pos}"
            raise ValidationError("body", reason) from None
        if not isinstance(parsed, dict):
            raise ValidationError("body", "a JSON body must be an object")
        return parsed
    return dict(parse_qs(body, keep_blank_values=True))


def _single(value: Any) -> str:
    """One form value as text (urlencoded bodies give lists; repeated fields are joined)."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if str(v).strip())
    return "" if value is None else str(value)


def form_fields(uow: UnitOfWork, body: Mapping[str, Any]) -> dict[str, Any]:
    """The lead fields a posted form gives (unmapped fields become lines of the notes)."""
    mapping = {k.casefold(): v for k, v in lead_settings(uow.app).form_fields.items()}
    fields: dict[str, Any] = {}
    notes: list[str] = []
    unmapped: list[str] = []
    for key, raw in body.items():
        value = _single(raw).strip()
        if not value:
            continue
        target = mapping.get(str(key).strip().casefold())
        if target == "notes":
            notes.append(value)
        elif target is None or target in fields:  # a second field for one target: kept too
            unmapped.append(f"{key}: {value}")
        else:
            fields[target] = value
    if notes or unmapped:
        fields["notes"] = "\n".join([*notes, *unmapped])
    if not fields.get("name"):
        names = sorted(k for k, v in lead_settings(uow.app).form_fields.items() if v == "name")
        raise ValidationError("name", f"is required (a form field named {' / '.join(names)})")
    return fields


def capture_form(
    uow: UnitOfWork, body: Mapping[str, Any], *, source: str | None = None
) -> CaptureResult:
    """Capture a lead from a posted web form (the fields of its body as a mapping)."""
    chosen = source or lead_settings(uow.app).form_source
    return capture(uow, source=chosen, **form_fields(uow, body))
