"""The core registered as a plugin: its settings, interaction kinds, tables and jobs.

Writing the core's own contributions through the same hooks as every other plugin keeps
the hooks honest: if the core can't do something through them, neither can a plugin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete

from guanxi import __version__, audit
from guanxi.access.principal import AccessSettings
from guanxi.db.chunks import id_ranges
from guanxi.hookspecs import hookimpl
from guanxi.identity.settings import SECTION as IDENTITY_SECTION
from guanxi.identity.settings import IdentitySettings
from guanxi.models import (
    CORE_TABLES,
    ApiToken,
    ConsentEvent,
    ContactPoint,
    Customer,
    CustomerMerge,
    CustomerRole,
    CustomerRollup,
    CustomerTag,
    DuplicatePair,
    ExternalIdentity,
    ImportRun,
    Interaction,
    JobRun,
    LegalHold,
    MatchKey,
    MergedCustomer,
    SpecialDate,
    Staff,
    StaffCredential,
    StaffRole,
    Task,
    Team,
    TeamMember,
    WebhookDelivery,
    WebhookEndpoint,
)
from guanxi.plugins import Plugin
from guanxi.privacy import PrivacySettings, apply_retention
from guanxi.records import CustomerChange, CustomerRecord, InteractionRecord
from guanxi.settings import CORE_SECTION, CoreSettings, WebSettings
from guanxi.webhooks import delivery as webhook_delivery
from guanxi.webhooks import events as webhook_events
from guanxi.webhooks.settings import SECTION as WEBHOOKS_SECTION
from guanxi.webhooks.settings import WebhookSettings

if TYPE_CHECKING:
    from guanxi.app import UnitOfWork

plugin = Plugin(
    name="core", version=__version__, description="customer record, log, staff, tasks, jobs"
)

JOB_HISTORY_DAYS = 90


class NotePayload(BaseModel):
    """``core.note``: an internal note about the customer."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)


class ContactPayload(BaseModel):
    """``core.contact``: a generic touchpoint (a call, an email, a visit)."""

    model_config = ConfigDict(extra="forbid")
    summary: str | None = None
    outcome: str | None = None


class PurchaseLine(BaseModel):
    """One line of a purchase."""

    model_config = ConfigDict(extra="forbid")
    sku: str | None = None
    name: str
    quantity: float = Field(gt=0)
    unit_price: float | None = Field(default=None, ge=0)


class PurchasePayload(BaseModel):
    """``core.purchase``: a transaction (the amount is the interaction's revenue)."""

    model_config = ConfigDict(extra="forbid")
    order_ref: str | None = None
    lines: list[PurchaseLine] = Field(default_factory=list)


class TaskDonePayload(BaseModel):
    """``core.task_done``: a follow-up task was completed."""

    model_config = ConfigDict(extra="forbid")
    task_id: int
    title: str
    outcome: str | None = None


@hookimpl
def register_settings(register: Callable[..., None]) -> None:
    """The core's settings sections: core, web, access (roles), privacy and identity."""
    register(CORE_SECTION, CoreSettings)
    register("web", WebSettings)
    register("access", AccessSettings)
    register("privacy", PrivacySettings)
    register(IDENTITY_SECTION, IdentitySettings)
    register(WEBHOOKS_SECTION, WebhookSettings)


class ConsentPayload(BaseModel):
    """``core.consent_changed``: consent given or withdrawn (also in consent_event)."""

    model_config = ConfigDict(extra="forbid")
    purpose: str
    channel: str
    granted: bool
    source: str


@hookimpl
def register_entities(register: Callable[..., None]) -> None:
    """The core's entities, for access control, the audit log and erasure."""
    register(
        "customer",
        Customer,
        customer_column="id",
        personal_fields=(
            "name",
            "family_name",
            "given_name",
            "gender",
            "birth_date",
            "occupation",
            "interests",
            "care_notes",
            "custom",
        ),
        description="people and organisations",
    )
    register("customer_role", CustomerRole, customer_column="customer_id")
    register("customer_tag", CustomerTag, customer_column="customer_id", personal_fields=("tag",))
    register(
        "contact_point",
        ContactPoint,
        customer_column="customer_id",
        personal_fields=("value", "normalized", "label"),
    )
    register(
        "external_identity",
        ExternalIdentity,
        customer_column="customer_id",
        personal_fields=("external_id",),
    )
    register(
        "special_date",
        SpecialDate,
        customer_column="customer_id",
        personal_fields=("label", "date", "month_day", "note"),
    )
    register("customer_rollup", CustomerRollup, customer_column="customer_id")
    # No owner column: logging an interaction is no grant to see a customer one may not
    # see (a task, by contrast, is work assigned to its assignee).
    register(
        "interaction",
        Interaction,
        customer_column="customer_id",
        personal_fields=("subject", "payload"),
    )
    register(
        "task",
        Task,
        customer_column="customer_id",
        owner_column="assignee_id",
        personal_fields=("title", "notes"),
    )
    register("consent", ConsentEvent, customer_column="customer_id", personal_fields=("source",))
    register("legal_hold", LegalHold, customer_column="customer_id")
    # Identity resolution (issue 8). Merging is ``customer_merge:create`` (managers and
    # admins by default, not agents: a merge retires a record); undoing one is ``update``.
    register(
        "match_key",
        MatchKey,
        customer_column="customer_id",
        personal_fields=("key",),
        audited=False,
        description="blocking keys of the duplicate check, derived from names and contacts",
    )
    register(
        "duplicate_pair",
        DuplicatePair,
        customer_column="left_id",
        description="possible duplicates waiting for review",
    )
    register(
        "customer_merge",
        CustomerMerge,
        customer_column="survivor_id",
        personal_fields=("choices", "journal", "reason"),
        description="merges of duplicate customers, with what undoing them needs",
    )
    register("merged_customer", MergedCustomer, customer_column="survivor_id")
    register("import_run", ImportRun, description="imports of files, for resuming them")
    register("staff", Staff)
    register("team", Team)
    register("team_member", TeamMember)
    register("staff_role", StaffRole)
    # Secrets: their changes are audited as events by the credentials service, not as
    # row changes (which would copy hashes into the audit log).
    register(
        "api_token",
        ApiToken,
        owner_column="staff_id",
        audited=False,
        description="API tokens and console sessions of staff users",
    )
    register("staff_credential", StaffCredential, audited=False, description="console passwords")
    # Endpoints hold signing secrets (their changes are audited as events by the service);
    # deliveries are the outbox, written in bulk.
    register("webhook_endpoint", WebhookEndpoint, audited=False,
             description="receivers of outbound webhooks")
    register("webhook_delivery", WebhookDelivery, audited=False,
             description="the webhook outbox and delivery log")


@hookimpl
def customers_created(uow: UnitOfWork, customers: list[CustomerRecord]) -> None:
    """Audit a batch of new customers by id (their values are in the records)."""
    ids = [c.id for c in customers if c.id is not None]
    only = ids[0] if len(ids) == 1 else None
    audit.record(
        uow,
        [audit.Event("create", "customer", only, only, {"ids": id_ranges(ids), "count": len(ids)})],
    )
    webhook_events.customers_created(uow, customers)


@hookimpl
def customers_updated(uow: UnitOfWork, changes: list[CustomerChange]) -> None:
    """Audit each changed customer with the old and new values of what changed."""
    audit.record(
        uow,
        [
            audit.Event(
                "update",
                "customer",
                c.customer_id,
                c.customer_id,
                {name: [c.before[name], c.after[name]] for name in c.after},
            )
            for c in changes
        ],
    )
    webhook_events.customers_updated(uow, changes)


@hookimpl
def customers_merged(uow: UnitOfWork, survivor_id: int, merged_ids: list[int]) -> None:
    """Queue the ``customer.merged`` webhook event."""
    webhook_events.customers_merged(uow, survivor_id, merged_ids)


@hookimpl
def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Blank the customer's webhook payloads; unsent ones are never sent."""
    webhook_events.erase_customer_events(uow, customer_id)


@hookimpl
def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Audit a batch of logged interactions by id (the log itself is append-only)."""
    ids = [i.id for i in interactions if i.id is not None]
    customers = {i.customer_id for i in interactions}
    only = next(iter(customers)) if len(customers) == 1 else None
    audit.record(
        uow,
        [
            audit.Event(
                "create",
                "interaction",
                ids[0] if len(ids) == 1 else None,
                only,
                {"ids": id_ranges(ids), "count": len(ids)},
            )
        ],
    )
    webhook_events.interactions_logged(uow, interactions)


@hookimpl
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """The generic kinds every edition has: notes, contacts, purchases, completed tasks."""
    register("core.note", schema=NotePayload, description="internal note", default_channel="other")
    register("core.contact", schema=ContactPayload, description="a call, email, visit or message")
    register(
        "core.purchase", schema=PurchasePayload, description="a purchase; revenue is its amount"
    )
    register("core.task_done", schema=TaskDonePayload, description="a follow-up task was completed")
    register(
        "core.consent_changed", schema=ConsentPayload, description="consent given or withdrawn"
    )


@hookimpl
def register_routes(register: Callable[..., None]) -> None:
    """The core's API (customers, interactions, tasks) and console frame and pages."""
    from guanxi.web import api, console, pages  # late: only the web application loads them

    for router in api.ROUTERS:
        register(router)
    register(console.router, console=True, nav=console.CORE_NAV)
    for router, nav in pages.ROUTERS:
        register(router, console=True, nav=nav)


@hookimpl
def register_models(register: Callable[..., None]) -> None:
    """The core's tables and its Alembic branch ("core")."""
    register(*CORE_TABLES, migrations=Path(__file__).parent / "migrations" / "versions")


def purge_job_history(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """Keep the job-run history to the last ``JOB_HISTORY_DAYS`` days."""
    cutoff = due_at - dt.timedelta(days=JOB_HISTORY_DAYS)
    result = uow.session.connection().execute(
        delete(JobRun.__table__).where(JobRun.__table__.c.started_at < cutoff)  # type: ignore[attr-defined]
    )
    return f"removed {result.rowcount} old job runs"


@hookimpl
def register_jobs(register: Callable[..., None]) -> None:
    """Housekeeping of the job runner's own history."""
    register(
        "core.privacy_retention",
        apply_retention,
        daily_at="02:00",
        description="clear old payloads and erase long-inactive customers, as configured",
    )
    register(
        "core.purge_job_history",
        purge_job_history,
        daily_at="03:30",
        description=f"delete job-run history older than {JOB_HISTORY_DAYS} days",
    )
    from guanxi.identity.scan import JOB_NAME, nightly_scan  # late: it loads the engine

    register(
        JOB_NAME,
        nightly_scan,
        daily_at="01:30",
        description="scan customers created or updated since the last run for duplicates",
    )
    register(
        "core.webhooks_deliver",
        webhook_delivery.deliver_job,
        every=dt.timedelta(minutes=1),
        description="send due webhook deliveries and schedule retries",
    )
    register(
        "core.webhooks_purge",
        webhook_delivery.purge_job,
        daily_at="03:45",
        description="delete webhook deliveries delivered more than webhooks.keep_days ago",
    )
