"""The sales console: the pipeline board and the opportunity page (server-rendered).

Both read through the user's unit of work, so a card of a customer he may not see is
not on his board and its page is "not found"; the move forms are shown only to users
who may update opportunities, and the POST checks the permission again (403).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from guanxi.web import ConsoleContext, render
from guanxi_sales.opportunities import ENTITY, opportunity_detail, pipeline_spec, sales_settings
from guanxi_sales.settings import PipelineSpec
from guanxi_sales.web.stages import MAX_ID, SCOPES, board, change_stage

router = APIRouter(include_in_schema=False)

OpportunityId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _targets(spec: PipelineSpec, current: str) -> list[str]:
    """The stages a card may move to from the board: the other open stages and won
    (lost needs a reason: on the opportunity's page)."""
    return [s.name for s in spec.stages if s.name != current and not s.lost]


@router.get("/sales/pipeline", response_class=HTMLResponse)
def pipeline_board(
    ctx: ConsoleContext,
    scope: Annotated[str, Query(max_length=10)] = "all",
    pipeline: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    """The pipeline board: a column per open stage with its cards and totals."""
    with ctx.transaction() as uow:
        name, spec, columns = board(uow, pipeline, scope)
        pipelines = list(sales_settings(uow.app).pipelines)
    here = "/sales/pipeline?" + urlencode({"scope": scope, "pipeline": name})
    return render(
        ctx, "sales/console/pipeline.html", pipeline=name, pipelines=pipelines, spec=spec,
        columns=columns, scope=scope, scopes=SCOPES, here=here,
        can_move=ctx.can(f"{ENTITY}:update"), targets=lambda card: _targets(spec, card.stage),
    )


@router.get("/sales/opportunities/{opportunity_id}", response_class=HTMLResponse)
def opportunity_page(ctx: ConsoleContext, opportunity_id: OpportunityId) -> Response:
    """One opportunity: its fields, competitors, stage history and the move forms."""
    with ctx.transaction() as uow:
        detail = opportunity_detail(uow, opportunity_id)
        _, spec = pipeline_spec(uow.app, detail.opportunity.pipeline)
        reasons = sales_settings(uow.app).lost_reasons
    opp = detail.opportunity
    return render(
        ctx, "sales/console/opportunity.html", detail=detail, opp=opp,
        can_move=ctx.can(f"{ENTITY}:update") and opp.status == "open",
        targets=_targets(spec, opp.stage), lost=next(s.name for s in spec.stages if s.lost),
        reasons=reasons, here=f"/sales/opportunities/{opp.id}",
    )


@router.post("/sales/opportunities/{opportunity_id}/stage")
def move_form(
    ctx: ConsoleContext,
    opportunity_id: OpportunityId,
    stage: Annotated[str, Form(max_length=80)],
    reason: Annotated[str | None, Form(max_length=200)] = None,
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Move the opportunity (the board's and the page's forms), then back (303)."""
    with ctx.transaction() as uow:
        change_stage(uow, opportunity_id, stage=stage, reason=reason or None)
    # Back to a sales page only: an open redirect would send users anywhere.
    page = f"/sales/opportunities/{opportunity_id}"
    target = next if next and next.startswith("/sales/") else page
    return RedirectResponse(target, status_code=303)
