"""The glue between the project pipeline (sales) and the asset archive (service).

The sales plugin logs ``sales.stage_changed`` on every move of an opportunity, and the
service plugin logs ``service.warranty_expired`` when its daily job finds a term ended.
This module reacts to both through the ``interactions_logged`` hook, so neither general
plugin knows about projects:

* a project reaching the contract stage (中标) logs ``construction.contract_signed`` with
  the contract value as revenue, so the analytics count the contract when it is signed;
* a project reaching the handover stage (工程移交) becomes an asset of its owner, handed
  over that day: the service plugin gives it the default warranty of its project type
  and plans the return visits; the extra terms of ``[construction] extra_warranties``
  (five years of waterproofing for a building) are added;
* when the default warranty term of such an asset expires, the project is won — it has
  reached 保修期满, the end of its cycle — and the expiry return visit is planned by the
  service plugin from the same log entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import InteractionRecord
from guanxi.services.interactions import log_interaction
from guanxi.services.lookup import get_customer
from guanxi_editions.construction.settings import ConstructionSettings
from guanxi_sales.models import Opportunity
from guanxi_sales.opportunities import get_opportunity, win_opportunity
from guanxi_service.assets.models import Asset, Warranty
from guanxi_service.assets.service import register_asset
from guanxi_service.assets.warranties import add_warranty

# The asset attribute that names the project (opportunity) an asset was handed over from.
PROJECT_ATTRIBUTE = "opportunity_id"


def settings_of(uow: UnitOfWork) -> ConstructionSettings:
    """The resolved ``[construction]`` settings."""
    return uow.app.settings_for("construction")


def project_serial(opportunity_id: int) -> str:
    """The asset serial number of a handed-over project: ``GC-`` and the project id."""
    return f"GC-{opportunity_id:06d}"


def react(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Handle the stage changes and warranty expiries of one logged batch."""
    settings = settings_of(uow)
    for item in interactions:
        if item.corrects_id is not None:
            continue  # a correction of an old entry is not a new event
        payload = item.payload or {}
        if item.kind == "sales.stage_changed" and payload.get("pipeline") == settings.pipeline:
            stage = payload.get("to_stage")
            if stage == settings.contract_stage:
                _contract_signed(uow, payload["opportunity_id"], item.occurred_at)
            elif stage == settings.handover_stage:
                _handed_over(uow, settings, payload["opportunity_id"], item.occurred_at)
        elif item.kind == "service.warranty_expired":
            _warranty_expired(uow, settings, payload)


def _contract_signed(uow: UnitOfWork, opportunity_id: int, at: dt.datetime) -> None:
    opp = get_opportunity(uow, opportunity_id)
    custom = get_customer(uow, opp.customer_id).custom or {}
    log_interaction(
        uow,
        customer_id=opp.customer_id,
        kind="construction.contract_signed",
        direction="inbound",
        actor=uow.actor_id if uow.actor_id is not None else opp.owner_id,
        occurred_at=at,
        subject=f"签订合同 {opp.name}"[:500],
        revenue=opp.amount,
        currency=opp.currency,
        payload={
            "opportunity_id": opp.id,
            "project": opp.name,
            "contract_value": str(opp.amount),
            "project_type": custom.get("project_type"),
        },
    )


def _handed_over(
    uow: UnitOfWork, settings: ConstructionSettings, opportunity_id: int, at: dt.datetime
) -> Asset | None:
    """Register the project as its owner's asset, handed over on the stage change's day.

    A project that comes back to the handover stage (stages may be revisited) keeps the
    asset it got the first time.
    """
    serial = project_serial(opportunity_id)
    if uow.session.scalars(select(Asset.id).where(Asset.serial_number == serial)).first():
        return None
    opp = get_opportunity(uow, opportunity_id)
    custom = get_customer(uow, opp.customer_id).custom or {}
    kind = str(custom.get("project_type") or settings.default_project_type)
    day = at.astimezone(uow.app.tz).date()
    attributes: dict[str, Any] = {PROJECT_ATTRIBUTE: opp.id, "contract_value": str(opp.amount)}
    asset = register_asset(
        uow,
        customer_id=opp.customer_id,
        serial_number=serial,
        product=kind,
        model=opp.name[:120],
        handed_over_on=day,
        location=custom.get("region"),
        attributes=attributes,
    )
    for extra in settings.extra_warranties:
        if extra.project_type == kind:
            add_warranty(
                uow, asset.id, terms=extra.terms, months=extra.months, coverage=extra.coverage
            )
    return asset


def _warranty_expired(uow: UnitOfWork, settings: ConstructionSettings, payload: dict) -> None:
    """Win the project whose default (general) warranty term just expired."""
    term = uow.session.get(Warranty, payload.get("warranty_id"))
    asset = uow.session.get(Asset, payload.get("asset_id"))
    if term is None or asset is None or not term.is_default:
        return
    project = (asset.attributes or {}).get(PROJECT_ATTRIBUTE)
    if not isinstance(project, int):
        return
    opp = uow.session.get(Opportunity, project)
    if opp is None or opp.status != "open" or opp.pipeline != settings.pipeline:
        return
    win_opportunity(uow, opp.id)
