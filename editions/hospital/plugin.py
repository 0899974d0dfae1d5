"""The hospital edition's plugin: only what no general plugin should carry.

Encounter and discharge kinds with validated payloads, the follow-up reminder job
(复诊提醒), patient clubs, the revisit / retention report (复诊率), the edition's
templates, its demo data and a 360 section. Everything else — events, loyalty tiers,
cards, return visits, complaints, surveys — is the general plugins' behaviour configured
in ``edition.toml``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from guanxi import Plugin, hookimpl
from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_editions.hospital.kinds import KINDS
from guanxi_editions.hospital.settings import HospitalSettings

plugin = Plugin(
    name="hospital",
    version="0.1.0",
    description="hospital edition behaviour",
    requires={"marketing": ">=0.1,<1", "service": ">=0.1,<1", "analytics": ">=0.1,<1"},
)

HERE = Path(__file__).parent


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """Departments, follow-up reminders, adherence and the patient clubs."""
    register("hospital", HospitalSettings)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """Encounters, discharges, follow-up reminders, club membership."""
    for kind, (schema, description, channel) in KINDS.items():
        register(kind, schema=schema, description=description, default_channel=channel)


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """复诊提醒 every morning before the outpatient clinics open."""
    from guanxi_editions.hospital.reminders import send_reminders

    register(
        "hospital.follow_up_reminders",
        send_reminders,
        daily_at="07:30",
        description="turn due follow-up visits into tasks and reminder messages",
    )


@hookimpl
def register_reports(register: Callable[..., None]) -> None:
    """``hospital.revisits``: revisit rate, retention and adherence."""
    from guanxi_editions.hospital.revisits import revisit_report

    register(
        "hospital.revisits",
        revisit_report,
        description="复诊率, patient retention and follow-up adherence (from, to)",
    )


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``guanxi hospital …``."""
    from guanxi_editions.hospital.cli import hospital

    cli.add_command(hospital)


@hookimpl
def register_templates(register: Callable[..., None]) -> None:
    """The edition's own templates (the follow-up reminder); the overrides of the plugins'
    templates are found through the edition folder, searched first."""
    register(HERE / "templates")


@hookimpl(tryfirst=True)
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Patients' medical fields, encounters, discharges, clubs, complaints — first, so
    the other plugins' demo (loyalty members, analytics) sees the encounters."""
    from guanxi_editions.hospital.demo import hospital_demo

    hospital_demo(uow, rng, customers)


@hookimpl
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """The patient's last encounter, the follow-up advised and the clubs."""
    from guanxi_editions.hospital.section import patient_section

    return patient_section(uow, customer)


@hookimpl(optionalhook=True)
def analytics_report_sections(uow: UnitOfWork, period: Any) -> list[Any]:
    """复诊率 per department, retention and adherence in the analytics HTML report."""
    import datetime as dt

    from guanxi_editions.hospital.revisits import report_sections

    return report_sections(uow, period.start, period.end - dt.timedelta(days=1))
