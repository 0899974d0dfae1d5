"""The job ``construction.owner_stages``: an owner's lifecycle stage follows its projects.

An owner with a project being built is 在建 (``in_construction``) whatever else it has;
else one with a project in its warranty period is ``in_warranty``; else one bidding is
``bidding``; else one whose projects all ran out of warranty is ``after_warranty``
(``[construction] lifecycle`` and ``lifecycle_precedence``). Lost bids do not count, and
an owner without a live project keeps the stage people gave it. It runs as a job, in its
own unit of work, rather than on every stage change: the core's customer update expires
the session, which a command still holding its opportunity must not see.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Customer
from guanxi.services.updates import update_customer
from guanxi_editions.construction.lifecycle import settings_of
from guanxi_sales.models import Opportunity


def owner_stages(uow: UnitOfWork) -> dict[int, str]:
    """Each owner with a live project → the lifecycle stage its projects stand for."""
    settings = settings_of(uow)
    rank = {stage: i for i, stage in enumerate(settings.lifecycle_precedence)}
    best: dict[int, str] = {}
    rows = uow.session.execute(
        select(Opportunity.customer_id, Opportunity.stage).where(
            Opportunity.pipeline == settings.pipeline, Opportunity.status != "lost"
        )
    )
    for customer_id, stage in rows:
        target = settings.lifecycle.get(stage)
        if target is None:
            continue
        held = best.get(customer_id)
        if held is None or rank.get(target, len(rank)) < rank.get(held, len(rank)):
            best[customer_id] = target
    return best


def sync_owner_stages(uow: UnitOfWork, due_at: dt.datetime | None = None) -> str:
    """Move every owner whose stage differs from its projects'; say how many moved."""
    wanted = owner_stages(uow)
    known = set(uow.app.settings.lifecycle_stages)
    current = (
        dict(
            uow.session.execute(
                select(Customer.id, Customer.lifecycle_stage).where(Customer.id.in_(list(wanted)))
            ).all()
        )
        if wanted
        else {}
    )
    moved = 0
    for customer_id, stage in sorted(wanted.items()):
        if stage in known and customer_id in current and current[customer_id] != stage:
            update_customer(uow, customer_id, {"lifecycle_stage": stage})
            moved += 1
    return f"{moved} owners moved"
