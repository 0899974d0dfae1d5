"""Logging encounters and discharges: the edition's checks on top of the payload schema.

The schema (``kinds.py``) checks each payload on its own; here the checks that need the
settings or the log: the department is one of the hospital's, a discharge names an
inpatient encounter of the same patient that was not discharged yet, and it is not
before the admission.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Interaction
from guanxi.records import InteractionRecord
from guanxi.services.interactions import log_interaction
from guanxi_editions.hospital.kinds import DISCHARGED, ENCOUNTER
from guanxi_editions.hospital.settings import hospital_settings


def check_department(uow: UnitOfWork, department: str) -> None:
    """Refuse a department the hospital does not have, naming the field."""
    known = hospital_settings(uow.app).departments
    if department not in known:
        raise ValidationError(
            "department", f"unknown department {department!r} (one of {', '.join(known)})"
        )


def log_encounter(
    uow: UnitOfWork,
    customer_id: int,
    *,
    department: str,
    setting: str = "outpatient",
    visit_type: str = "first",
    doctor: str | None = None,
    fee: Decimal | None = None,
    at: dt.datetime | None = None,
    follow_up_days: int | None = None,
    icd10: str | None = None,
    ward: str | None = None,
    actor: str | None = None,
) -> InteractionRecord:
    """Log a visit; an inpatient encounter is logged at admission (``at``)."""
    check_department(uow, department)
    occurred = at or uow.now
    payload: dict[str, Any] = {
        "department": department,
        "doctor": doctor,
        "setting": setting,
        "visit_type": visit_type,
        "icd10": icd10,
        "follow_up_days": follow_up_days,
    }
    if setting == "inpatient":
        payload["ward"] = ward or department
        payload["admitted_on"] = occurred.astimezone(uow.app.tz).date()
        if follow_up_days is not None:
            raise ValidationError("follow_up_days", "is given at discharge for an inpatient")
    subject = {"outpatient": "门诊", "inpatient": "住院", "emergency": "急诊"}.get(setting, "")
    return log_interaction(
        uow,
        customer_id=customer_id,
        kind=ENCOUNTER,
        channel="visit",
        direction="inbound",
        occurred_at=occurred,
        subject=f"{department}{subject}",
        revenue=fee,
        actor=actor if actor is not None else uow.actor_id,
        payload=payload,
    )


def _open_admission(uow: UnitOfWork, customer_id: int, encounter_id: int) -> Interaction:
    """The inpatient encounter ``encounter_id`` of this patient, not yet discharged."""
    row = uow.session.get(Interaction, encounter_id)
    if row is None or row.customer_id != customer_id or row.kind != ENCOUNTER:
        raise ValidationError(
            "encounter", f"{encounter_id} is not an encounter of customer {customer_id}"
        )
    if row.payload.get("setting") != "inpatient":
        raise ValidationError("encounter", f"encounter {encounter_id} is not an inpatient stay")
    done = uow.session.execute(
        select(Interaction.payload).where(
            Interaction.customer_id == customer_id, Interaction.kind == DISCHARGED
        )
    ).scalars()
    if any(payload.get("encounter_id") == encounter_id for payload in done):
        raise ValidationError("encounter", f"encounter {encounter_id} was already discharged")
    return row


def log_discharge(
    uow: UnitOfWork,
    customer_id: int,
    encounter_id: int,
    *,
    at: dt.datetime | None = None,
    follow_up_days: int | None = None,
    disposition: str = "home",
    actor: str | None = None,
) -> InteractionRecord:
    """Discharge the patient from inpatient encounter ``encounter_id``."""
    admission = _open_admission(uow, customer_id, encounter_id)
    occurred = at or uow.now
    admitted_on = dt.date.fromisoformat(str(admission.payload["admitted_on"]))
    discharged_on = occurred.astimezone(uow.app.tz).date()
    if discharged_on < admitted_on:
        raise ValidationError(
            "at", f"discharge on {discharged_on} is before the admission on {admitted_on}"
        )
    return log_interaction(
        uow,
        customer_id=customer_id,
        kind=DISCHARGED,
        channel="visit",
        direction="internal",
        occurred_at=occurred,
        subject=f"{admission.payload['department']}出院",
        actor=actor if actor is not None else uow.actor_id,
        payload={
            "encounter_id": encounter_id,
            "department": admission.payload["department"],
            "ward": admission.payload.get("ward"),
            "admitted_on": admitted_on,
            "discharged_on": discharged_on,
            "length_of_stay": (discharged_on - admitted_on).days,
            "disposition": disposition,
            "follow_up_days": follow_up_days,
        },
    )
