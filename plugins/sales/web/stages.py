"""What the sales API and console share: moving an opportunity to any stage of its
pipeline (won and lost included) and the pipeline board's query."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import TeamMember
from guanxi.web.inputs import MAX_ID
from guanxi_sales.models import Opportunity
from guanxi_sales.opportunities import (
    ENTITY,
    OpportunityRow,
    get_opportunity,
    lose_opportunity,
    move_opportunity,
    opportunity_rows,
    pipeline_spec,
    win_opportunity,
)
from guanxi_sales.settings import PipelineSpec

SCOPES = ("all", "mine", "team")
CARDS_PER_STAGE = 100


def staff_ref(value: str | None) -> str | None:
    """A username (or numeric id) as given, refused (``owner``) when it is a number no
    staff id can be: the lookup would otherwise hand the database an out-of-range id."""
    if value is not None and value.isdigit() and not (value.isascii() and int(value) <= MAX_ID):
        raise ValidationError("owner", f"no staff user {value!r}")
    return value


def change_stage(
    uow: UnitOfWork,
    opportunity_id: int,
    *,
    stage: str,
    probability: int | None = None,
    amount: Decimal | None = None,
    reason: str | None = None,
    competitor: int | None = None,
) -> None:
    """Move an opportunity to ``stage`` of its pipeline: the won stage wins it (final
    ``amount`` optional), the lost stage loses it (``reason`` required), any other is a
    move. An unknown stage is a :class:`ValidationError` on ``stage``."""
    opp = get_opportunity(uow, opportunity_id)
    _, spec = pipeline_spec(uow.app, opp.pipeline)
    target = spec.stage(stage)
    if target is not None and target.won:
        win_opportunity(uow, opportunity_id, amount=amount)
    elif target is not None and target.lost:
        lose_opportunity(uow, opportunity_id, reason or "", competitor=competitor)
    else:
        move_opportunity(uow, opportunity_id, stage, probability=probability)


@dataclass
class Column:
    """One stage of the board: its cards (at most ``CARDS_PER_STAGE``) and totals, one
    per currency (amounts in different currencies are never added together)."""

    stage: str
    probability: int
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    cards: list[OpportunityRow] = field(default_factory=list)


def _scoped(uow: UnitOfWork, query: Any, scope: str) -> Any:
    if scope not in SCOPES:
        raise ValidationError("scope", f"{scope!r} is not one of {', '.join(SCOPES)}")
    principal = uow.principal
    if scope == "mine":
        return query.where(Opportunity.owner_id == principal.staff_id)
    if scope == "team":
        members = select(TeamMember.staff_id).where(
            TeamMember.team_id.in_(sorted(principal.team_ids)))  # type: ignore[attr-defined]
        return query.where(Opportunity.owner_id.in_(members))  # type: ignore[union-attr]
    return query


def board(uow: UnitOfWork, pipeline: str | None = None, scope: str = "all"
          ) -> tuple[str, PipelineSpec, list[Column]]:
    """The open opportunities the user may see in each open stage of ``pipeline``:
    counts and per-currency totals by grouped SQL, cards by stage, nearest close date
    first."""
    require(uow, ENTITY, "read")
    name, spec = pipeline_spec(uow.app, pipeline)
    base = _scoped(uow, select(Opportunity).where(
        Opportunity.status == "open", Opportunity.pipeline == name), scope)
    columns = {s.name: Column(s.name, s.probability) for s in spec.open_stages}
    hundredths = type_coerce(Opportunity.amount, BigInteger)  # exact sums of stored cents
    totals = _scoped(uow, select(
        Opportunity.stage, Opportunity.currency, func.count(), func.sum(hundredths)
    ).where(Opportunity.status == "open", Opportunity.pipeline == name), scope)
    grouped = totals.group_by(Opportunity.stage, Opportunity.currency).order_by(
        Opportunity.stage, Opportunity.currency)
    for stage, currency, count, total in uow.session.exec(grouped).all():
        if stage in columns:
            columns[stage].count += int(count)
            columns[stage].totals[currency] = (Decimal(int(total or 0)) / 100).quantize(
                Decimal("0.01"))
    for column in columns.values():
        if column.count:
            query = base.where(Opportunity.stage == column.stage).order_by(
                Opportunity.expected_close, Opportunity.id).limit(CARDS_PER_STAGE)
            column.cards = opportunity_rows(uow, uow.session.exec(query).scalars().all())
    return name, spec, list(columns.values())
