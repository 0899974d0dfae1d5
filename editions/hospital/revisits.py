"""复诊率 and patient retention: the figures a hospital's patient-relations office reports.

Over a period P of local days (both ends included):

* patients = those with at least one encounter in P; **revisit rate** = those with two or
  more ÷ patients (the analytics plugin's repeat rate, restricted to encounters);
* **follow-up share** = encounters marked ``visit_type = follow_up`` (复诊) ÷ encounters;
* **retention rate** = patients seen in the equally long period just before P who were
  seen again in P ÷ patients seen in that earlier period;
* **adherence** (复诊依从率) = follow-ups advised with a due date in P that the patient kept
  (came back between the advice and the due date plus ``adherence_grace_days``) ÷ advised;
* the same patients, encounters and revisit rate per department.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Interaction
from guanxi_editions.hospital.kinds import DISCHARGED, ENCOUNTER
from guanxi_editions.hospital.settings import hospital_settings


def _bounds(uow: UnitOfWork, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = uow.app.tz
    return (
        dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC),
    )


def _encounters(uow: UnitOfWork, start: dt.date, end: dt.date) -> list[Interaction]:
    return _rows(uow, [ENCOUNTER], start, end)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _adherence(uow: UnitOfWork, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(advised follow-ups due in the period, of which kept)."""
    grace = hospital_settings(uow.app).adherence_grace_days
    # Advice given up to a year before the period can fall due in it.
    advice = [
        row
        for row in _rows(uow, [ENCOUNTER, DISCHARGED], start - dt.timedelta(days=366), end)
        if row.payload.get("follow_up_days")
    ]
    due: list[tuple[Interaction, dt.date]] = []
    for row in advice:
        due_on = row.occurred_at.astimezone(uow.app.tz).date() + dt.timedelta(
            days=int(row.payload["follow_up_days"])
        )
        if start <= due_on <= end:
            due.append((row, due_on))
    visits: dict[int, list[dt.datetime]] = defaultdict(list)
    for row in _rows(
        uow, [ENCOUNTER], start - dt.timedelta(days=366), end + dt.timedelta(days=grace)
    ):
        visits[row.customer_id].append(row.occurred_at)
    kept = 0
    for row, due_on in due:
        _, limit = _bounds(uow, due_on, due_on + dt.timedelta(days=grace))
        if any(row.occurred_at < at < limit for at in visits[row.customer_id]):
            kept += 1
    return len(due), kept


def _rows(uow: UnitOfWork, kinds: list[str], start: dt.date, end: dt.date) -> list[Interaction]:
    low, high = _bounds(uow, start, end)
    return list(
        uow.session.scalars(
            select(Interaction).where(
                Interaction.kind.in_(kinds),
                Interaction.corrects_id.is_(None),
                Interaction.occurred_at >= low,
                Interaction.occurred_at < high,
            )
        )
    )


def revisit_figures(uow: UnitOfWork, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The revisit, retention and adherence figures of the period (see the module)."""
    if end < start:
        raise ValidationError("to", f"the period ends ({end}) before it starts ({start})")
    rows = _encounters(uow, start, end)
    per_patient = Counter(row.customer_id for row in rows)
    patients = len(per_patient)
    revisiting = sum(1 for n in per_patient.values() if n >= 2)
    follow_ups = sum(1 for row in rows if row.payload.get("visit_type") == "follow_up")
    length = (end - start).days + 1
    before = {
        row.customer_id
        for row in _encounters(uow, start - dt.timedelta(days=length), start - dt.timedelta(days=1))
    }
    retained = len(before & set(per_patient))
    advised, kept = _adherence(uow, start, end)
    departments: dict[str, Counter[int]] = defaultdict(Counter)
    for row in rows:
        departments[row.payload.get("department", "")][row.customer_id] += 1
    return {
        "from": start,
        "to": end,
        "encounters": len(rows),
        "patients": patients,
        "revisiting_patients": revisiting,
        "revisit_rate": _rate(revisiting, patients),
        "follow_up_encounters": follow_ups,
        "follow_up_share": _rate(follow_ups, len(rows)),
        "previous_patients": len(before),
        "retained_patients": retained,
        "retention_rate": _rate(retained, len(before)),
        "follow_ups_due": advised,
        "follow_ups_kept": kept,
        "adherence_rate": _rate(kept, advised),
        "departments": [
            {
                "department": name,
                "patients": len(counts),
                "encounters": sum(counts.values()),
                "revisit_rate": _rate(sum(1 for n in counts.values() if n >= 2), len(counts)),
            }
            for name, counts in sorted(departments.items(), key=lambda kv: -len(kv[1]))
        ],
    }


def revisit_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``hospital.revisits``: options ``from`` and ``to`` (default the last year)."""
    unknown = set(options) - {"from", "to"}
    if unknown:
        raise ValidationError("option", f"unknown option {sorted(unknown)[0]!r} (from, to)")
    today = uow.now.astimezone(uow.app.tz).date()
    end = _day(options.get("to"), "to") or today
    start = _day(options.get("from"), "from") or end - dt.timedelta(days=364)
    return revisit_figures(uow, start, end)


def _day(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def report_sections(uow: UnitOfWork, start: dt.date, end: dt.date) -> list[Any]:
    """The revisit figures as sections of the analytics HTML report (local days, both
    ends included), under the heading 复诊与随访."""
    from guanxi_analytics.sections import Chart, ReportSection, Table

    figures = revisit_figures(uow, start, end)
    heading = "复诊与随访"
    if not figures["encounters"]:
        return [ReportSection(key="hospital.revisits", title="复诊率 revisit rate",
                              heading=heading, empty="no encounters in the period")]
    shown = [d for d in figures["departments"] if d["department"]]
    summary = (
        f"复诊率 {_percent(figures['revisit_rate'])} ({figures['revisiting_patients']} of "
        f"{figures['patients']} patients came twice or more); 患者保持率 "
        f"{_percent(figures['retention_rate'])}; 复诊依从率 "
        f"{_percent(figures['adherence_rate'])} ({figures['follow_ups_kept']} of "
        f"{figures['follow_ups_due']} advised follow-ups kept)."
    )
    return [ReportSection(
        key="hospital.revisits", title="复诊率 by department", heading=heading,
        summary=summary,
        chart=Chart("bar", labels=[d["department"] for d in shown],
                    series={"复诊率": [d["revisit_rate"] for d in shown]}, unit="ratio"),
        table=Table(["科室 department", "patients", "encounters", "revisit rate"],
                    [[d["department"], d["patients"], d["encounters"], d["revisit_rate"]]
                     for d in shown]),
        formula="revisit rate = patients with two or more hospital.encounter entries in the "
                "period ÷ patients with one or more; retention and adherence as in "
                "`guanxi hospital revisits`",
    )]


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"
