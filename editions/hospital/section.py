"""The hospital section of the patient's 360 view."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Interaction
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_editions.hospital.kinds import DISCHARGED, ENCOUNTER
from guanxi_editions.hospital.settings import hospital_settings


def patient_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """Encounters, the last one, the follow-up advised by the latest advice, the clubs."""
    rows = list(
        uow.session.scalars(
            select(Interaction)
            .where(
                Interaction.customer_id == customer.id,
                Interaction.kind.in_([ENCOUNTER, DISCHARGED]),
                Interaction.corrects_id.is_(None),
            )
            .order_by(Interaction.occurred_at)
        )
    )
    clubs = [c.label for c in hospital_settings(uow.app).clubs.values() if c.label in customer.tags]
    if not rows and not clubs:
        return None
    encounters = [r for r in rows if r.kind == ENCOUNTER]
    section = Section(title="就诊 encounters")
    section.rows.append(("encounters", len(encounters)))
    if encounters:
        last = encounters[-1]
        local = last.occurred_at.astimezone(uow.app.tz)
        section.rows.append(
            (
                "last encounter",
                f"{local:%Y-%m-%d} {last.payload.get('department')} "
                f"({last.payload.get('setting')})",
            )
        )
    advised = [r for r in rows if r.payload.get("follow_up_days")]
    if advised:
        latest = advised[-1]
        due = latest.occurred_at.astimezone(uow.app.tz).date() + dt.timedelta(
            days=int(latest.payload["follow_up_days"])
        )
        back = any(r.occurred_at > latest.occurred_at for r in encounters)
        section.rows.append(("follow-up due", f"{due} ({'kept' if back else 'open'})"))
    if clubs:
        section.rows.append(("clubs", ", ".join(clubs)))
    return section
