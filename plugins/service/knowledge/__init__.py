"""The knowledge area of the service plugin (interface: :class:`guanxi.areas.Area`).

A knowledge base (知识库) for staff and customers: categories in a tree, articles in
Markdown with versions that can be compared and reverted, feedback and view counts,
search for Chinese and English ranked with BM25 over an index kept on every write,
articles linked to and sent on tickets, suggestions for a ticket, and a usage report
that shows what people search for in vain. The service functions are in
:mod:`guanxi_service.knowledge.service`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.areas import WORK
from guanxi_service.knowledge import privacy
from guanxi_service.knowledge.common import (
    ARTICLE,
    CATEGORY,
    FEEDBACK,
    LINK,
    POSTING,
    REVISION,
    SEARCH,
    TAG,
)
from guanxi_service.knowledge.kinds import KINDS
from guanxi_service.knowledge.models import (
    TABLES,
    KbArticle,
    KbArticleTag,
    KbCategory,
    KbFeedback,
    KbPosting,
    KbRevision,
    KbSearch,
    KbTicketLink,
)

__all__ = ["TABLES"]

# Shared knowledge: agents read and write (drafts: publishing is checked against the
# publisher roles of the settings on top), managers everything, viewers read.
KNOWLEDGE = {
    "agent": ("read", "create", "update"),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read",),
}
# The category tree is kept by managers; everyone else reads it.
CATEGORIES = {
    "agent": ("read",),
    "manager": ("*",),
    "viewer": ("read",),
    "privacy_officer": ("read",),
}


def register_entities(register: Callable[..., None]) -> None:
    """Articles, categories, versions, tags, the index and the search log are shared
    knowledge (no customer); feedback and ticket links carry their customer."""
    register(CATEGORY, KbCategory, grants=CATEGORIES, description="a knowledge category")
    register(ARTICLE, KbArticle, grants=KNOWLEDGE, description="a knowledge article")
    register(REVISION, KbRevision, grants=KNOWLEDGE,
             description="an earlier version of a knowledge article")
    register(TAG, KbArticleTag, grants=KNOWLEDGE, audited=False,
             description="a tag of a knowledge article")
    register(POSTING, KbPosting, grants={"agent": ("read",), "manager": ("read",)},
             audited=False, description="the knowledge search index (derived)")
    register(SEARCH, KbSearch, grants={"agent": ("read",), "manager": ("*",)},
             audited=False, description="a logged knowledge search (query and hits only)")
    # A staff vote is seen by its voter (and his leads); a customer's with the customer.
    register(FEEDBACK, KbFeedback, customer_column="customer_id", owner_column="staff_id",
             personal_fields=("comment",), grants=WORK,
             description="a helpful / not helpful vote on a knowledge article")
    register(LINK, KbTicketLink, customer_column="customer_id", grants=WORK,
             description="a knowledge article linked to (or sent on) a ticket")


def register_kinds(register: Callable[..., None]) -> None:
    """``service.kb_article_sent``."""
    register_kind_table(register, KINDS)


def register_jobs(register: Callable[..., None]) -> None:
    """``service.kb_prune_searches`` (daily): forget searches older than the settings say."""
    from guanxi_service.knowledge.jobs import PRUNE_JOB, prune_searches

    register(PRUNE_JOB, prune_searches, daily_at="03:40",
             description="delete logged knowledge searches older than search_log_days")


def register_reports(register: Callable[..., None]) -> None:
    """``service.kb_usage``."""
    from guanxi_service.knowledge import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service kb …``."""
    from guanxi_service.knowledge.cli import kb

    group.add_command(kb)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Categories and about twenty articles, some linked to the demo's tickets."""
    from guanxi_service.knowledge.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Nothing: the knowledge base does not react to the interaction log."""


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's feedback on articles and the articles linked to their tickets."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the customer's feedback comments (votes, counts and links stay)."""
    privacy.erase_personal_data(uow, customer_id)


