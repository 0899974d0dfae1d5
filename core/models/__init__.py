"""The core's tables. Plugins define their own tables in their own packages."""

from guanxi.models.customer import (
    ContactPoint,
    Customer,
    CustomerRole,
    CustomerTag,
    ExternalIdentity,
    SpecialDate,
)
from guanxi.models.governance import AuditEntry, ConsentEvent, LegalHold, StaffRole
from guanxi.models.identity import (
    CustomerMerge,
    DuplicatePair,
    ImportRun,
    MatchKey,
    MergedCustomer,
)
from guanxi.models.interaction import CustomerRollup, Interaction
from guanxi.models.staff import Staff, Team, TeamMember
from guanxi.models.web import ApiToken, StaffCredential
from guanxi.models.webhooks import WebhookDelivery, WebhookEndpoint
from guanxi.models.work import JobRun, JobState, Task

CORE_TABLES = [
    Staff,
    Team,
    TeamMember,
    Customer,
    CustomerRole,
    CustomerTag,
    ContactPoint,
    ExternalIdentity,
    SpecialDate,
    Interaction,
    CustomerRollup,
    Task,
    JobState,
    JobRun,
    StaffRole,
    AuditEntry,
    ConsentEvent,
    LegalHold,
    MatchKey,
    DuplicatePair,
    CustomerMerge,
    MergedCustomer,
    ImportRun,
    ApiToken,
    StaffCredential,
    WebhookEndpoint,
    WebhookDelivery,
]

__all__ = [
    "CORE_TABLES",
    "ApiToken",
    "AuditEntry",
    "ConsentEvent",
    "ContactPoint",
    "Customer",
    "CustomerMerge",
    "CustomerRole",
    "CustomerRollup",
    "CustomerTag",
    "DuplicatePair",
    "ExternalIdentity",
    "ImportRun",
    "Interaction",
    "JobRun",
    "JobState",
    "LegalHold",
    "MatchKey",
    "MergedCustomer",
    "SpecialDate",
    "Staff",
    "StaffCredential",
    "StaffRole",
    "Task",
    "Team",
    "TeamMember",
    "WebhookDelivery",
    "WebhookEndpoint",
]
