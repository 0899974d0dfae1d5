"""``guanxi hospital …``: encounters, discharges, follow-up reminders, clubs, revisit figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import json_option, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_money
from guanxi_editions.hospital.kinds import SETTINGS, VISIT_TYPES


@click.group()
def hospital() -> None:
    """The hospital edition: encounters (就诊), discharges, 复诊提醒, clubs, 复诊率."""


def _patient(uow: Any, reference: str) -> int:
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _when(uow: Any, value: str | None) -> dt.datetime | None:
    """``--at`` as local time unless it names a zone."""
    if value is None:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError("at", f"{value!r} is not a time (YYYY-MM-DD HH:MM)") from None
    return at if at.tzinfo else at.replace(tzinfo=uow.app.tz)


@hospital.command("encounter")
@click.argument("patient")
@click.option(
    "--department", required=True, help="Clinical department (one of [hospital] departments)."
)
@click.option("--setting", type=click.Choice(SETTINGS), default="outpatient", show_default=True)
@click.option(
    "--visit-type",
    type=click.Choice(VISIT_TYPES),
    default="first",
    show_default=True,
    help="first visit (初诊) or follow-up (复诊).",
)
@click.option("--doctor", default=None, help="The doctor's name.")
@click.option("--fee", default=None, help="What the visit cost the patient (the revenue).")
@click.option("--at", "at", default=None, help="When (local time; inpatient: the admission).")
@click.option("--follow-up-days", type=int, default=None, help="Come back after this many days.")
@click.option("--icd10", default=None, help="Diagnosis code, e.g. E11.9.")
@click.option("--ward", default=None, help="Ward of an inpatient stay (default: the department).")
@json_option
@pass_state
def encounter(
    state: CliState,
    patient: str,
    department: str,
    setting: str,
    visit_type: str,
    doctor: str | None,
    fee: str | None,
    at: str | None,
    follow_up_days: int | None,
    icd10: str | None,
    ward: str | None,
    as_json: bool,
) -> None:
    """Log an encounter of PATIENT: an outpatient or emergency visit, or an admission."""
    from guanxi_editions.hospital.encounters import log_encounter

    with state.transaction() as uow:
        record = log_encounter(
            uow,
            _patient(uow, patient),
            department=department,
            setting=setting,
            visit_type=visit_type,
            doctor=doctor,
            fee=parse_money(fee, "fee") if fee is not None else None,
            at=_when(uow, at),
            follow_up_days=follow_up_days,
            icd10=icd10,
            ward=ward,
        )
    if as_json:
        print_json(record)
        return
    click.echo(
        f"logged encounter {record.id} ({setting}, {department}) for customer {record.customer_id}"
    )


@hospital.command("discharge")
@click.argument("patient")
@click.argument("encounter_id", type=int)
@click.option("--at", "at", default=None, help="When (local time; default now).")
@click.option("--follow-up-days", type=int, default=None, help="Come back after this many days.")
@click.option(
    "--disposition",
    type=click.Choice(["home", "transfer", "against_advice", "deceased"]),
    default="home",
    show_default=True,
)
@json_option
@pass_state
def discharge(
    state: CliState,
    patient: str,
    encounter_id: int,
    at: str | None,
    follow_up_days: int | None,
    disposition: str,
    as_json: bool,
) -> None:
    """Discharge PATIENT from the inpatient encounter ENCOUNTER_ID (starts 出院随访)."""
    from guanxi_editions.hospital.encounters import log_discharge

    with state.transaction() as uow:
        record = log_discharge(
            uow,
            _patient(uow, patient),
            encounter_id,
            at=_when(uow, at),
            follow_up_days=follow_up_days,
            disposition=disposition,
        )
    if as_json:
        print_json(record)
        return
    stay = record.payload["length_of_stay"]
    click.echo(
        f"discharged customer {record.customer_id} from encounter {encounter_id} "
        f"after {stay} days (interaction {record.id})"
    )


@hospital.command("reminders")
@click.option("--on", "on", default=None, help="The day (YYYY-MM-DD; default today).")
@pass_state
def reminders(state: CliState, on: str | None) -> None:
    """Send the follow-up reminders (复诊提醒) due on a day, as the daily job does."""
    from guanxi_editions.hospital.reminders import send_reminders

    with state.transaction() as uow:
        day = uow.now
        if on is not None:
            try:
                day = dt.datetime.combine(dt.date.fromisoformat(on), dt.time(8), uow.app.tz)
            except ValueError:
                raise ValidationError("on", f"{on!r} is not a date (YYYY-MM-DD)") from None
        click.echo(send_reminders(uow, day))


@hospital.group("club")
def club() -> None:
    """Patient clubs (患者俱乐部)."""


@club.command("list")
@json_option
@pass_state
def club_list(state: CliState, as_json: bool) -> None:
    """The configured clubs and how many members each has."""
    from sqlalchemy import func, select

    from guanxi.models import CustomerTag
    from guanxi_editions.hospital.settings import hospital_settings

    with state.transaction() as uow:
        rows = []
        for name, spec in hospital_settings(uow.app).clubs.items():
            members = uow.session.scalar(
                select(func.count()).select_from(CustomerTag).where(CustomerTag.tag == spec.label)
            )
            rows.append(
                {"club": name, "label": spec.label, "condition": spec.condition, "members": members}
            )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['club']}: {row['label']} ({row['members']} members)")


@club.command("join")
@click.argument("patient")
@click.argument("club_name")
@pass_state
def club_join(state: CliState, patient: str, club_name: str) -> None:
    """Make PATIENT a member of CLUB_NAME (its key or its label)."""
    from guanxi_editions.hospital.clubs import get_club, join_club

    with state.transaction() as uow:
        customer_id = _patient(uow, patient)
        joined = join_club(uow, customer_id, club_name)
        label = get_club(uow, club_name)[1].label
    click.echo(f"customer {customer_id} {'joined' if joined else 'is already in'} {label}")


@club.command("leave")
@click.argument("patient")
@click.argument("club_name")
@pass_state
def club_leave(state: CliState, patient: str, club_name: str) -> None:
    """End PATIENT's membership of CLUB_NAME."""
    from guanxi_editions.hospital.clubs import leave_club

    with state.transaction() as uow:
        customer_id = _patient(uow, patient)
        leave_club(uow, customer_id, club_name)
    click.echo(f"customer {customer_id} left {club_name}")


@hospital.command("revisits")
@click.option("--from", "start", default=None, help="First day (default: a year before --to).")
@click.option("--to", "end", default=None, help="Last day (default: today).")
@json_option
@pass_state
def revisits(state: CliState, start: str | None, end: str | None, as_json: bool) -> None:
    """复诊率, patient retention and follow-up adherence over a period."""
    from guanxi_editions.hospital.revisits import revisit_report

    with state.transaction() as uow:
        figures = revisit_report(uow, **{"from": start, "to": end})
    if as_json:
        print_json(figures)
        return
    percent = _percent
    click.echo(
        f"{figures['from']} – {figures['to']}: {figures['encounters']} encounters, "
        f"{figures['patients']} patients"
    )
    click.echo(
        f"复诊率 revisit rate: {percent(figures['revisit_rate'])} "
        f"({figures['revisiting_patients']} of {figures['patients']} came twice or more)"
    )
    click.echo(f"复诊占比 follow-up visits: {percent(figures['follow_up_share'])}")
    click.echo(
        f"患者保持率 retention: {percent(figures['retention_rate'])} "
        f"({figures['retained_patients']} of {figures['previous_patients']})"
    )
    click.echo(
        f"复诊依从率 adherence: {percent(figures['adherence_rate'])} "
        f"({figures['follow_ups_kept']} of {figures['follow_ups_due']} advised)"
    )
    for row in figures["departments"]:
        click.echo(
            f"  {row['department']}: {row['patients']} patients, {row['encounters']} "
            f"encounters, revisit {percent(row['revisit_rate'])}"
        )


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{Decimal(str(value)) * 100:.1f}%"
