"""The surveys area of the service plugin (interface: :class:`guanxi.areas.Area`).

Satisfaction surveys (满意度调查) after a closed ticket or a return visit: CSAT, NPS,
factor ratings and a comment; a cover letter from a template; a poor answer reopening the
ticket or opening a complaint; satisfaction by period, team and channel, the factor
analysis and the complaint resolution rate. The service functions are in
:mod:`guanxi_service.surveys.service` and :mod:`guanxi_service.surveys.answers`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import click

from guanxi.app import UnitOfWork
from guanxi.areas import register_kind_table
from guanxi.records import CustomerRecord, InteractionRecord
from guanxi_service.areas import WORK
from guanxi_service.surveys import privacy
from guanxi_service.surveys.common import SURVEY
from guanxi_service.surveys.kinds import KINDS
from guanxi_service.surveys.models import TABLES, Survey
from guanxi_service.surveys.settings import TRIGGER_SOURCES

__all__ = ["TABLES"]


def register_entities(register: Callable[..., None]) -> None:
    """Surveys, visible with their customer; the comment is personal."""
    register(SURVEY, Survey, customer_column="customer_id", personal_fields=("comment",),
             grants=WORK, description="a satisfaction survey sent to a customer, and the answer")


def register_kinds(register: Callable[..., None]) -> None:
    """``service.survey_sent`` / ``service.survey_answered``."""
    register_kind_table(register, KINDS)


def _send_job(uow: UnitOfWork, due_at: dt.datetime) -> None:
    from guanxi_service.surveys.service import send_due

    send_due(uow, due_at)


def _expire_job(uow: UnitOfWork, due_at: dt.datetime) -> None:
    from guanxi_service.surveys.service import expire_due

    expire_due(uow, due_at)


def register_jobs(register: Callable[..., None]) -> None:
    """``service.surveys_send`` (every 15 minutes) and ``service.surveys_expire`` (daily)."""
    register("service.surveys_send", _send_job, every=dt.timedelta(minutes=15),
             description="send the satisfaction surveys whose delay has passed")
    register("service.surveys_expire", _expire_job, daily_at="02:30",
             description="mark unanswered satisfaction surveys past their expiry expired")


def register_reports(register: Callable[..., None]) -> None:
    """``service.satisfaction``, ``service.satisfaction_factors``,
    ``service.complaint_resolution``."""
    from guanxi_service.surveys import reports

    reports.register_reports(register)


def register_commands(group: click.Group) -> None:
    """``guanxi service surveys …``."""
    from guanxi_service.surveys.cli import surveys

    group.add_command(surveys)


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Surveys of the demo's closed tickets and visits, answered with a realistic spread."""
    from guanxi_service.surveys.demo import generate_demo

    generate_demo(uow, rng, customers)


def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """A scheduled survey for each closed ticket or return visit (one each)."""
    if not any(i.kind in TRIGGER_SOURCES for i in interactions):
        return
    from guanxi_service.surveys.service import surveys_for_interactions

    surveys_for_interactions(uow, interactions)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The customer's surveys and answers."""
    return privacy.personal_data(uow, customer_id)


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear the customer's survey comments (scores and dates stay)."""
    privacy.erase_personal_data(uow, customer_id)
