"""Running triggered campaigns: select who is due, record it, hand the campaign over.

A run is two steps, because sending must not happen inside the transaction that
records who was chosen (the messages area sends each member in its own small
transaction, and on SQLite a second writer would wait on the first):

1. :func:`fire_triggers` (one unit of work): for every enabled trigger, the due
   customers (:mod:`~guanxi_marketing.triggers.selection`) join the trigger's campaign
   of the period (created on first use), get a ``marketing_trigger_fire`` row (unique
   per trigger, customer and occurrence, so nobody is chosen twice) and a
   ``marketing.trigger_fired`` entry on their timeline.
2. :func:`send_fired` (after the commit): each campaign that has fires of the day goes
   to ``send_campaign``, which sends only members still ``targeted`` and skips
   customers without consent. A rerun of the same day chooses nobody new and sends
   only what a failed send left pending.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlmodel import col, select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import GuanxiError, NotFoundError, first_line
from guanxi.services.interactions import log_interactions
from guanxi_marketing.campaigns.models import CampaignMember
from guanxi_marketing.triggers.models import TriggerFire
from guanxi_marketing.triggers.selection import Due, due_customers
from guanxi_marketing.triggers.settings import (
    CAMPAIGN_TYPE_BY_CHANNEL,
    TriggerSettings,
    TriggerSpec,
)

ENTITY = "marketing.trigger_fire"
log = logging.getLogger(__name__)


@dataclass
class TriggerOutcome:
    """What one trigger did (or, in a preview, would do) on one day."""

    trigger: str
    type: str
    due: list[Due] = field(default_factory=list)
    # Customers already members of the period's campaign through another occurrence.
    skipped: list[Due] = field(default_factory=list)
    campaigns: dict[str, int] = field(default_factory=dict)  # period → campaign id
    error: str | None = None  # why the trigger did not fire (its work was undone)


def trigger_settings(app: App) -> TriggerSettings:
    """The resolved ``[marketing.triggers]`` settings."""
    return app.settings_for("marketing").triggers


def get_trigger(app: App, name: str) -> TriggerSpec:
    """The configured trigger called ``name``."""
    for trigger in trigger_settings(app).triggers:
        if trigger.name == name:
            return trigger
    raise NotFoundError(f"no trigger {name!r}")


def _chosen(app: App, only: str | None) -> list[TriggerSpec]:
    if only is not None:
        return [get_trigger(app, only)]
    return [t for t in trigger_settings(app).triggers if t.enabled]


def _evaluate(
    uow: UnitOfWork, trigger: TriggerSpec, settings: TriggerSettings, day: dt.date
) -> TriggerOutcome:
    """Who ``trigger`` chooses on ``day``, split by campaign period; writes nothing."""
    outcome = TriggerOutcome(trigger.name, trigger.type)
    due = due_customers(uow, trigger, settings, day)
    for period, members in _by_period(due).items():
        campaign_id = _period_campaign(uow, trigger, period)
        already = _members(uow, campaign_id, members) if campaign_id is not None else set()
        outcome.due += [d for d in members if d.customer_id not in already]
        outcome.skipped += [d for d in members if d.customer_id in already]
        if campaign_id is not None:
            outcome.campaigns[period] = campaign_id
    return outcome


def preview_triggers(
    uow: UnitOfWork, *, on: dt.date | None = None, only: str | None = None
) -> list[TriggerOutcome]:
    """Who the triggers would choose on ``on`` (default today) and why; writes nothing.

    Runs under the acting principal's record policies, so it lists visible customers.
    A trigger whose configuration fails (an unknown segment) raises.
    """
    require(uow, ENTITY, "read")
    day = on or uow.today()
    settings = trigger_settings(uow.app)
    return [_evaluate(uow, trigger, settings, day) for trigger in _chosen(uow.app, only)]


def fire_triggers(
    uow: UnitOfWork, *, on: dt.date | None = None, only: str | None = None
) -> list[TriggerOutcome]:
    """Record what the triggers choose on ``on``: campaigns, members, fires, log entries.

    Each trigger works in a savepoint: one that fails on bad configuration (an unknown
    segment, a campaign the campaigns area refuses) is undone and reported in its
    outcome's ``error``, and the other triggers still fire. A trigger asked for by
    name (``only``) raises instead. Sends nothing: see :func:`send_fired`, which the
    caller runs after the commit.
    """
    require(uow, ENTITY, "create")
    require(uow, ENTITY, "read")
    day = on or uow.today()
    settings = trigger_settings(uow.app)
    outcomes = []
    for trigger in _chosen(uow.app, only):
        try:
            with uow.session.begin_nested():
                outcome = _evaluate(uow, trigger, settings, day)
                _fire(uow, trigger, outcome, day)
        except GuanxiError as exc:
            if only is not None:
                raise
            log.warning("trigger %s failed: %s", trigger.name, exc)
            outcome = TriggerOutcome(trigger.name, trigger.type, error=first_line(exc))
        outcomes.append(outcome)
    return outcomes


def _fire(uow: UnitOfWork, trigger: TriggerSpec, outcome: TriggerOutcome, day: dt.date) -> None:
    for period, members in _by_period(outcome.due).items():
        campaign_id = outcome.campaigns.get(period)
        if campaign_id is None:
            campaign_id = _create_campaign(uow, trigger, period, day)
            outcome.campaigns[period] = campaign_id
        _record(uow, trigger, campaign_id, members, day)


def campaigns_fired_on(uow: UnitOfWork, day: dt.date, only: str | None = None) -> list[int]:
    """The campaigns that have fires of ``day`` (what a run of that day hands over)."""
    query = select(col(TriggerFire.campaign_id)).where(TriggerFire.fired_on == day).distinct()
    if only is not None:
        query = query.where(TriggerFire.trigger == only)
    return sorted(uow.session.exec(query))


def send_fired(app: App, campaign_ids: list[int]) -> dict[int, Any]:
    """Hand each campaign to the messages area; a failure leaves its rest pending.

    One campaign's failure (an SMTP server that went away) does not stop the others;
    it is logged, and the next run of the day sends what is left.
    """
    from guanxi_marketing.messages.service import send_campaign

    reports: dict[int, Any] = {}
    for campaign_id in campaign_ids:
        try:
            reports[campaign_id] = send_campaign(app, campaign_id)
        except Exception as exc:  # the members not reached stay pending for the next run
            log.warning("triggered campaign %s not fully sent: %s", campaign_id, exc)
            reports[campaign_id] = exc
    return reports


def run_triggers(
    app: App,
    *,
    on: dt.date | None = None,
    only: str | None = None,
    as_user: str | None = None,
    send: bool = True,
) -> tuple[list[TriggerOutcome], dict[int, Any]]:
    """Fire the triggers of ``on`` in one transaction, then send (the CLI's ``run``)."""
    with app.transaction(as_user=as_user) as uow:
        day = on or uow.today()
        outcomes = fire_triggers(uow, on=day, only=only)
        campaigns = campaigns_fired_on(uow, day, only)
    return outcomes, (send_fired(app, campaigns) if send else {})


def trigger_job(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The daily ``marketing.triggers`` job: fire the day's triggers, send after commit."""
    day = uow.app.local_time(due_at).date()
    outcomes = fire_triggers(uow, on=day)
    campaigns = campaigns_fired_on(uow, day)
    app = uow.app
    if campaigns:
        event.listen(uow.session, "after_commit", lambda _s: send_fired(app, campaigns), once=True)
    return ", ".join(_said(o) for o in outcomes) or "no triggers"


def _said(outcome: TriggerOutcome) -> str:
    result = f"failed ({outcome.error})" if outcome.error else str(len(outcome.due))
    return f"{outcome.trigger}: {result}"


# ----------------------------------------------------------------------------- helpers


def _by_period(due: list[Due]) -> dict[str, list[Due]]:
    groups: dict[str, list[Due]] = defaultdict(list)
    for item in due:
        groups[item.period].append(item)
    return dict(groups)


def _period_campaign(uow: UnitOfWork, trigger: TriggerSpec, period: str) -> int | None:
    query = select(col(TriggerFire.campaign_id)).where(
        TriggerFire.trigger == trigger.name, TriggerFire.period == period
    )
    return uow.session.exec(query.limit(1)).first()


def _members(uow: UnitOfWork, campaign_id: int, due: list[Due]) -> set[int]:
    found: set[int] = set()
    for chunk in chunks([d.customer_id for d in due]):
        query = select(col(CampaignMember.customer_id)).where(
            CampaignMember.campaign_id == campaign_id, col(CampaignMember.customer_id).in_(chunk)
        )
        found |= set(uow.session.exec(query))
    return found


def _create_campaign(uow: UnitOfWork, trigger: TriggerSpec, period: str, day: dt.date) -> int:
    from guanxi_marketing.campaigns.service import create_campaign

    campaign = create_campaign(
        uow,
        name=f"{trigger.display_title} {period}",
        type=CAMPAIGN_TYPE_BY_CHANNEL[trigger.channel],
        starts_on=day,
        template=trigger.template,
        subject=trigger.subject,
        description=f"triggered campaign {trigger.name!r} ({trigger.type}), period {period}",
        settings={
            "trigger": trigger.name,
            "trigger_type": trigger.type,
            "period": period,
            "channel": trigger.channel,
        },
    )
    assert campaign.id is not None
    return campaign.id


def _record(
    uow: UnitOfWork, trigger: TriggerSpec, campaign_id: int, due: list[Due], day: dt.date
) -> None:
    from guanxi_marketing.campaigns.service import add_members

    add_members(uow, campaign_id, [d.customer_id for d in due])
    for item in due:
        uow.session.add(
            TriggerFire(
                trigger=trigger.name,
                customer_id=item.customer_id,
                occurrence=item.occurrence,
                period=item.period,
                campaign_id=campaign_id,
                fired_on=day,
                fired_at=uow.now,
                reason=item.reason,
            )
        )
    uow.session.flush()
    log_interactions(
        uow,
        [
            {
                "customer_id": item.customer_id,
                "kind": "marketing.trigger_fired",
                "direction": "internal",
                "subject": f"{trigger.display_title} {item.occurrence}",
                "payload": {
                    "trigger": trigger.name,
                    "type": trigger.type,
                    "occurrence": item.occurrence,
                    "campaign_id": campaign_id,
                    "reason": item.reason,
                },
            }
            for item in due
        ],
    )
