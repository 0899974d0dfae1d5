"""The campaigns area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Campaigns (营销活动) with budgets, cost entries, owners and target segments; members
moving from targeted to converted; ROI and attribution of revenue from the interaction
log; a success/failure study. The service functions are in
:mod:`guanxi_marketing.campaigns.service`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_marketing.areas import WORK
from guanxi_marketing.campaigns import privacy
from guanxi_marketing.campaigns.common import CAMPAIGN, COST, MEMBER
from guanxi_marketing.campaigns.kinds import KINDS
from guanxi_marketing.campaigns.models import TABLES, Campaign, CampaignCost, CampaignMember

__all__ = ["TABLES"]



def register_entities(register: Callable[..., None]) -> None:
    """Campaigns (shared work: visible to every role that may read them), members (visible
    with their customer), costs."""
    # A campaign is not customer data: the event desk, the call agents and the analysts
    # all work on campaigns someone else owns. Its members are what needs protecting.
    register(CAMPAIGN, Campaign, grants=WORK, description="a marketing campaign")
    register(MEMBER, CampaignMember, customer_column="customer_id",
             personal_fields=("response",), grants=WORK,
             description="a customer targeted by a campaign, with the response")
    # Costs are read through their campaign (get_campaign first), which decides visibility.
    register(COST, CampaignCost, grants=WORK, description="a cost entry of a campaign")


def register_kinds(register: Callable[..., None]) -> None:
    """``marketing.campaign_sent`` / ``_responded`` / ``_converted``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """The area has no scheduled jobs (triggered campaigns are the triggers area's)."""


def register_reports(register: Callable[..., None]) -> None:
    """``marketing.campaign_roi``, ``marketing.attribution``, ``marketing.campaign_study``."""
    from guanxi_marketing.campaigns import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi marketing campaigns …``."""
    from guanxi_marketing.campaigns import cli, cli_reports

    cli_reports.register(cli.campaigns)
    group.add_command(cli.campaigns)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Four campaigns with members, costs, responses and a follow-up over the demo customers."""
    from guanxi_marketing.campaigns.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: attribution reads the log when asked instead of keeping copies."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's campaign memberships and responses."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the customer's free-text responses (statuses and dates stay)."""
    privacy.erase_personal_data(uow, customer_id)
