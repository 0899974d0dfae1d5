"""The leads area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Leads (商机 / 潜在客户) captured from any channel, de-duplicated, scored by explainable
rules with decaying engagement, owned by exactly one person, qualified or disqualified,
and converted to customers (and, through a hook, to whatever other plugins make of
them). The modules: :mod:`.service` (capture, statuses), :mod:`.assignment`,
:mod:`.scoring`, :mod:`.conversion`, :mod:`.intake` (CSV and forms), :mod:`.reports`,
:mod:`.privacy`, :mod:`.demo` and :mod:`.cli`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing.leads.models import TABLES, Lead

__all__ = ["TABLES"]

# What the standard roles may do with leads (assigning is further limited to the
# roles in LeadSettings.assigners; working a lead to its owner).
GRANTS = {
    "agent": ("read", "create", "update"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read", "export"),
}


def register_entities(register: Callable[..., None]) -> None:
    """Leads: visible to their owner and to whoever sees the customer they became."""
    register(
        "marketing.lead",
        Lead,
        customer_column="customer_id",
        owner_column="owner_id",
        personal_fields=("name", "company", "email", "phone", "interest", "notes", "touches"),
        grants=GRANTS,
        description="a lead (商机) before and after its conversion to a customer",
    )


def register_kinds(register: Callable[..., None]) -> None:
    """``marketing.lead_captured`` and ``marketing.lead_converted``."""
    from guanxi_marketing.leads.kinds import KINDS

    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """The daily re-scoring of open leads (engagement points decay)."""
    from guanxi_marketing.leads.scoring import RESCORE_JOB, rescore_job

    register(RESCORE_JOB, rescore_job, daily_at="03:00",
             description="re-score open leads: engagement points decay over time")


def register_reports(register: Callable[..., None]) -> None:
    """The lead funnel and conversion-rate reports."""
    from guanxi_marketing.leads.reports import register_reports as register_lead_reports

    register_lead_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi marketing leads …``."""
    from guanxi_marketing.leads.cli import leads

    group.add_command(leads)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """About forty leads from several sources, scored, some converted."""
    from guanxi_marketing.leads.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Engagement of a lead's customer re-scores the lead at once (not only nightly)."""
    from guanxi_marketing.leads.common import lead_settings
    from guanxi_marketing.leads.scoring import kind_matches, rescore_for_interactions

    rules = lead_settings(uow.app).engagement_rules
    # Kinds first: an import hands over thousands of interactions of a handful of kinds.
    engaging = {kind for kind in {i.kind for i in interactions}
                if any(kind_matches(rule, kind) for rule in rules)}
    if engaging:
        rescore_for_interactions(
            uow, {i.customer_id for i in interactions if i.kind in engaging})


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The leads converted to or matched with the customer."""
    from guanxi_marketing.leads import privacy

    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the names, contact details and notes of the customer's leads."""
    from guanxi_marketing.leads import privacy

    privacy.erase_personal_data(uow, customer_id)
