"""The events area of the marketing plugin (interface: :class:`guanxi.areas.Area`).

Events (贸易展, 研讨会, 义诊 …) with registrations, attendance and the contacts met there
captured as leads; telemarketing call lists (电话营销) with the outcome of every call.
See docs/plugins/marketing/events.md.
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
from guanxi_marketing.events import privacy
from guanxi_marketing.events.common import (
    CALL_ATTEMPT,
    CALL_ENTRY,
    CALL_LIST,
    CALL_LIST_AGENT,
    EVENT,
    EVENT_LEAD,
    REGISTRATION,
)
from guanxi_marketing.events.kinds import KINDS
from guanxi_marketing.events.models import (
    TABLES,
    CallAttempt,
    CallEntry,
    CallList,
    CallListAgent,
    EventLead,
    EventRegistration,
    MarketingEvent,
)

__all__ = ["TABLES"]

NO_SHOW_JOB = "marketing.event_no_shows"
# What the standard roles may do with these records (on top of their settings). Agents
# register, check in and call; managers plan events and build call lists.
PLAN = {"agent": ("read",), "manager": ("*",), "viewer": ("read",), "privacy_officer": ("read",)}
CALL = {"agent": ("read", "update"), "manager": ("*",), "viewer": ("read",),
        "privacy_officer": ("read", "export")}


def register_entities(register: Callable[..., None]) -> None:
    """Events, registrations, captured leads, call lists, entries and calls."""
    register(EVENT, MarketingEvent, grants=PLAN)
    register(REGISTRATION, EventRegistration, customer_column="customer_id",
             personal_fields=("notes",), grants=WORK)
    register(EVENT_LEAD, EventLead, grants=WORK)
    register(CALL_LIST, CallList, grants=PLAN)
    register(CALL_LIST_AGENT, CallListAgent, grants=PLAN)
    register(CALL_ENTRY, CallEntry, customer_column="customer_id", owner_column="agent_id",
             grants=CALL)
    register(CALL_ATTEMPT, CallAttempt, customer_column="customer_id", owner_column="agent_id",
             personal_fields=("notes",), grants=WORK)


def register_kinds(register: Callable[..., None]) -> None:
    """``marketing.event_*`` and ``marketing.call_made``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """Mark the no-shows of events that ended, hourly."""
    import datetime as dt

    from guanxi_marketing.events.registrations import mark_no_shows

    register(NO_SHOW_JOB, mark_no_shows, every=dt.timedelta(hours=1),
             description="close ended events: who held a place and did not come is a no-show")


def register_reports(register: Callable[..., None]) -> None:
    """``marketing.event`` and ``marketing.call_list``."""
    from guanxi_marketing.events.call_report import call_list_report_entry
    from guanxi_marketing.events.event_report import event_report_entry

    register("marketing.event", event_report_entry,
             description="an event's registrations, attendance, no-shows, leads and cost per head")
    register("marketing.call_list", call_list_report_entry,
             description="a call list's progress by status, outcome and agent")


def register_commands(group: click.Group) -> None:
    """``guanxi marketing events …`` and ``guanxi marketing calls …``."""
    from guanxi_marketing.events.cli_calls import calls
    from guanxi_marketing.events.cli_events import events

    group.add_command(events)
    group.add_command(calls)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """A free clinic and a seminar that took place, and a call list with some calls."""
    from guanxi_marketing.events.demo import demo_data as generate

    generate(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: this area only writes to the interaction log."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's event registrations, call-list entries and calls."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear registration and call notes (statuses, times and outcomes stay)."""
    privacy.erase_personal_data(uow, customer_id)
