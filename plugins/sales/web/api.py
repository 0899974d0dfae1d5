"""The sales plugin's JSON API (under ``/api/sales``): opportunities, stages, forecast.

Every handler works in the caller's unit of work and through the services of
:mod:`guanxi_sales.opportunities`, so the permission checks (``require``) and the record
policies of the query layer apply: an opportunity of a customer the caller may not see
is not found (404), a missing permission is 403, bad input is 422 naming the field and
nothing is written (the unit of work rolls back on the error).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.web import ApiContext, Page, page_of
from guanxi.web.pagination import decode_cursor
from guanxi_sales.analysis import FORECAST_BY, PERIODS, forecast
from guanxi_sales.opportunities import (
    OpportunityDetail,
    OpportunityRow,
    assign_opportunity,
    create_opportunity,
    list_opportunities,
    opportunity_detail,
    sales_settings,
    update_opportunity,
)
from guanxi_sales.web.stages import MAX_ID, change_stage, staff_ref

router = APIRouter(prefix="/sales", tags=["sales"])

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OpportunityId = Annotated[int, Path(ge=1, le=MAX_ID, description="opportunity id")]
Text = Annotated[str, Field(max_length=2000)]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "the user lacks the permission"},
    404: {"description": "no such opportunity the user may see"},
    422: {"description": "invalid input; the error names the field"},
}


# ----------------------------------------------------------------------------- models


class OpportunityOut(BaseModel):
    """An opportunity as listed. Amounts are decimal strings with two places."""

    id: int
    customer_id: int
    customer: str | None = Field(description="the account's name (None: not visible)")
    name: str
    pipeline: str
    stage: str
    status: Literal["open", "won", "lost"]
    amount: str
    weighted: str = Field(description="amount × probability")
    currency: str
    probability: int
    expected_close: dt.date
    owner: str | None
    source: str | None
    lost_reason: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @classmethod
    def of(cls, row: OpportunityRow) -> OpportunityOut:
        """The API view of a listing row."""
        fields = {**dataclasses.asdict(row), "amount": str(row.amount),
                  "weighted": str(row.weighted)}
        return cls(**fields)


class Named(BaseModel):
    """A customer reference: id and name (None when the user may not see it)."""

    id: int
    name: str | None


class StageStepOut(BaseModel):
    """One stage change and the days then spent in the stage (None: closed there)."""

    from_stage: str | None
    to_stage: str
    changed_at: dt.datetime
    actor: str | None
    days: float | None


class OpportunityDetailOut(OpportunityOut):
    """An opportunity with its contact, approach, competitors and stage history."""

    contact: Named | None
    approach: str | None
    competitors: list[Named]
    history: list[StageStepOut]

    @classmethod
    def of_detail(cls, detail: OpportunityDetail) -> OpportunityDetailOut:
        """The API view of :func:`opportunity_detail`."""
        contact = Named(id=detail.contact[0], name=detail.contact[1]) if detail.contact else None
        return cls(
            **OpportunityOut.of(detail.opportunity).model_dump(),
            contact=contact, approach=detail.approach,
            competitors=[Named(id=i, name=n) for i, n in detail.competitors],
            history=[StageStepOut(from_stage=s.from_stage, to_stage=s.to_stage,
                                  changed_at=s.changed_at, actor=s.actor, days=s.days)
                     for s in detail.history],
        )


class OpportunityCreate(BaseModel):
    """A new opportunity; the service fills the defaults (stage, probability, owner)."""

    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    name: Annotated[str, Field(max_length=200)]
    amount: Decimal
    expected_close: dt.date
    pipeline: Annotated[str, Field(max_length=80)] | None = None
    stage: Annotated[str, Field(max_length=80)] | None = None
    probability: int | None = None
    owner: Annotated[str, Field(max_length=80, description="username")] | None = None
    contact_id: Id | None = None
    approach: Text | None = None
    source: Annotated[str, Field(max_length=80)] | None = None
    currency: Annotated[str, Field(max_length=3)] | None = None
    competitors: Annotated[list[Id], Field(max_length=50)] = []


class OpportunityUpdate(BaseModel):
    """Fields to change (only those given); ``competitors`` replaces the list and
    ``owner`` hands the opportunity over."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(max_length=200)] | None = None
    amount: Decimal | None = None
    probability: int | None = None
    expected_close: dt.date | None = None
    approach: Text | None = None
    source: Annotated[str, Field(max_length=80)] | None = None
    contact_id: Id | None = None
    competitors: Annotated[list[Id], Field(max_length=50)] | None = None
    owner: Annotated[str, Field(max_length=80, description="username")] | None = None


class StageMove(BaseModel):
    """Where to move an opportunity: an open stage, or the won or lost stage.

    Won takes an optional final ``amount``; lost needs a ``reason`` (one of the
    settings' ``lost_reasons``) and may name the ``competitor`` who won it.
    """

    model_config = ConfigDict(extra="forbid")
    stage: Annotated[str, Field(max_length=80)]
    probability: int | None = None
    amount: Decimal | None = None
    reason: Annotated[str, Field(max_length=200)] | None = None
    competitor: Id | None = None


class StageOut(BaseModel):
    """A pipeline stage with its default probability."""

    name: str
    probability: int
    won: bool
    lost: bool


class PipelineOut(BaseModel):
    """A pipeline of the edition's sales settings."""

    name: str
    description: str
    default: bool
    stages: list[StageOut]


class ForecastOut(BaseModel):
    """One period, owner/team and currency: open count, pipeline, weighted pipeline, won
    business (amounts in different currencies are never added: one row per currency)."""

    period: str
    key: int | str | None
    label: str
    currency: str = Field(description="the currency of the row's amounts (e.g. CNY)")
    open_count: int
    pipeline: str
    weighted: str
    won_count: int
    won: str


# ----------------------------------------------------------------------------- routes


def _detail(uow: UnitOfWork, opportunity_id: int) -> OpportunityDetailOut:
    return OpportunityDetailOut.of_detail(opportunity_detail(uow, opportunity_id))


@router.get("/pipelines", response_model=list[PipelineOut], summary="Pipelines and their stages")
def pipelines(ctx: ApiContext) -> list[PipelineOut]:
    """The pipelines of the sales settings, each with its ordered stages."""
    with ctx.transaction() as uow:
        settings = sales_settings(uow.app)
    return [PipelineOut(name=name, description=spec.description,
                        default=name == settings.default_pipeline,
                        stages=[StageOut(**s.model_dump()) for s in spec.stages])
            for name, spec in settings.pipelines.items()]


@router.get("/opportunities", response_model=Page[OpportunityOut], summary="List opportunities",
            responses={422: ERRORS[422]})
def list_route(
    ctx: ApiContext,
    status: Literal["open", "won", "lost", "all"] = "open",
    stage: Annotated[str | None, Query(max_length=80)] = None,
    pipeline: Annotated[str | None, Query(max_length=80)] = None,
    owner: Annotated[str | None, Query(max_length=80, description="username")] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[OpportunityOut]:
    """Opportunities the user may see, in id order, filtered; page on with ``after``."""
    after_id = None
    if after is not None:
        (after_id,) = decode_cursor(after, 1)
        if not isinstance(after_id, int):
            raise ValidationError("after", "is not a cursor this API gave out")
    with ctx.transaction() as uow:
        rows = list_opportunities(
            uow, status=None if status == "all" else status, stage=stage, pipeline=pipeline,
            owner=staff_ref(owner), customer_id=customer_id, after_id=after_id, limit=limit + 1,
        )
    items, cursor = page_of(rows, limit, key=lambda row: (row.id,))
    return Page[OpportunityOut](items=[OpportunityOut.of(r) for r in items], next=cursor)


@router.post("/opportunities", response_model=OpportunityDetailOut, status_code=201,
             summary="Open an opportunity", responses={403: ERRORS[403], 422: ERRORS[422]})
def create_route(ctx: ApiContext, body: OpportunityCreate) -> OpportunityDetailOut:
    """Open an opportunity on an account the user may see (``customer_id``)."""
    values = body.model_dump()
    values["owner"] = staff_ref(values["owner"])
    with ctx.transaction() as uow:
        opp = create_opportunity(uow, **values)
        assert opp.id is not None
        return _detail(uow, opp.id)


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityDetailOut,
            summary="One opportunity with its history", responses={404: ERRORS[404]})
def get_route(ctx: ApiContext, opportunity_id: OpportunityId) -> OpportunityDetailOut:
    """The opportunity, its contact, competitors and stage history."""
    with ctx.transaction() as uow:
        return _detail(uow, opportunity_id)


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityDetailOut,
              summary="Change an open opportunity", responses=ERRORS)
def update_route(
    ctx: ApiContext, opportunity_id: OpportunityId, body: OpportunityUpdate
) -> OpportunityDetailOut:
    """Change the fields given (amount, close date, probability, …; ``owner`` hands it
    over). A closed opportunity cannot change (422 on ``status``)."""
    changes = body.model_dump(exclude_unset=True)
    competitors = changes.pop("competitors", None)
    owner = changes.pop("owner", ...)
    with ctx.transaction() as uow:
        update_opportunity(uow, opportunity_id, competitors=competitors, **changes)
        if owner is not ...:
            if owner is None:
                raise ValidationError("owner", "an opportunity has exactly one owner")
            assign_opportunity(uow, opportunity_id, staff_ref(owner))  # type: ignore[arg-type]
        return _detail(uow, opportunity_id)


@router.post("/opportunities/{opportunity_id}/stage", response_model=OpportunityDetailOut,
             summary="Move an opportunity to a stage (or win or lose it)", responses=ERRORS)
def stage_route(
    ctx: ApiContext, opportunity_id: OpportunityId, body: StageMove
) -> OpportunityDetailOut:
    """Move to an open stage of its pipeline, or to the won stage (optional final
    ``amount``) or the lost stage (``reason`` required, optional ``competitor``)."""
    with ctx.transaction() as uow:
        change_stage(uow, opportunity_id, **body.model_dump())
        return _detail(uow, opportunity_id)


@router.get("/forecast", response_model=list[ForecastOut], summary="Sales forecast",
            responses={422: ERRORS[422]})
def forecast_route(
    ctx: ApiContext,
    period: Annotated[str, Query(description=" | ".join(PERIODS))] = "quarter",
    by: Annotated[str, Query(description=" | ".join(FORECAST_BY))] = "owner",
    start: dt.date | None = None,
    end: dt.date | None = None,
    pipeline: Annotated[str | None, Query(max_length=80)] = None,
) -> list[ForecastOut]:
    """Per period of expected close, per owner or team and per currency: open count,
    pipeline, weighted pipeline and won business of the opportunities the user may see."""
    with ctx.transaction() as uow:
        rows = forecast(uow, period=period, by=by, start=start, end=end, pipeline=pipeline)
    return [ForecastOut(period=r.period, key=r.key, label=r.label, currency=r.currency,
                        open_count=r.open_count, pipeline=str(r.pipeline),
                        weighted=str(r.weighted), won_count=r.won_count, won=str(r.won))
            for r in rows]
