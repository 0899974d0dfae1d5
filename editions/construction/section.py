"""The 工程项目 section of an owner's 360 view: every project with its lifecycle stage in
the edition's words, and for a handed-over one its warranty and next return visit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi_editions.construction.lifecycle import project_serial, settings_of
from guanxi_sales.models import Opportunity
from guanxi_service.assets.models import Asset, Warranty

SHOWN = 10  # projects listed; the count row says how many there are in all


def stage_label(uow: UnitOfWork, stage: str) -> str:
    """A stage in the edition's language (``stage.<name>`` terminology), else its name."""
    word = uow.app.edition.term(f"stage.{stage}", uow.app.settings.language)
    return stage if word == f"stage.{stage}" else word


def project_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """The owner's projects in the lifecycle pipeline, newest first (None: no project)."""
    pipeline = settings_of(uow).pipeline
    projects = list(
        uow.session.scalars(
            select(Opportunity)
            .where(Opportunity.customer_id == customer.id, Opportunity.pipeline == pipeline)
            .order_by(Opportunity.id.desc())
        )
    )
    if not projects:
        return None
    serials = {project_serial(p.id): p.id for p in projects[:SHOWN]}
    assets = {
        a.serial_number: a
        for a in uow.session.scalars(select(Asset).where(Asset.serial_number.in_(list(serials))))
    }
    ends: dict[int, Any] = {}
    for term in uow.session.scalars(
        select(Warranty).where(
            Warranty.asset_id.in_([a.id for a in assets.values()]), Warranty.is_default
        )
    ):
        ends[term.asset_id] = term.ends_on
    items = []
    for project in projects[:SHOWN]:
        asset = assets.get(project_serial(project.id))
        items.append(
            {
                "id": project.id,
                "name": project.name,
                "stage": stage_label(uow, project.stage),
                "status": project.status,
                "contract_value": str(project.amount),
                "asset": asset.serial_number if asset else None,
                "warranty_ends": ends.get(asset.id) if asset else None,
            }
        )
    open_count = sum(p.status == "open" for p in projects)
    rows: list[tuple[str, Any]] = [("projects 项目", len(projects)), ("open 在建/跟踪", open_count)]
    for item in items:
        text = f"{item['stage']} · {item['contract_value']}"
        if item["warranty_ends"] is not None:
            text += f" · 保修至 {item['warranty_ends']}"
        rows.append((f"#{item['id']} {item['name']}"[:40], text))
    return Section(title="工程项目 projects", rows=rows, items=items)
