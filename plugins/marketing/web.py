"""The marketing plugin's HTTP API (``/api/marketing``) and console pages (``/marketing``).

Registered by the plugin's ``register_routes`` hook (imported late: the command line
never loads the web stack). Every handler works in the acting user's unit of work and
through the areas' own service functions, so the API answers exactly what the CLI
prints for the same user: permissions are checked by the services (403 when a role
lacks one), record policies filter every query (a lead of a customer the user may not
see is "not found", 404), and a capture is validated by the same ``capture`` the CLI,
the CSV import and the form intake use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.web import ApiContext, ConsoleContext, NavItem, Page, page_of, render
from guanxi.web.inputs import MAX_ID, no_nul
from guanxi.web.pagination import decode_cursor
from guanxi_marketing.campaigns.models import CAMPAIGN_STATUSES
from guanxi_marketing.leads.models import LEAD_STATUSES, Lead

RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page (at most 500).")]
After = Annotated[str | None, Query(max_length=200,
                                    description="The `next` cursor of the previous page.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such record you may see"}}
MONEY = "Money amounts are decimal strings (`\"1234.50\"`), as the CLI's --json prints them."

router = APIRouter(prefix="/marketing", tags=["marketing"])
console = APIRouter(include_in_schema=False)


# ----------------------------------------------------------------------------- models


class CampaignOut(BaseModel):
    """A campaign as listed: schedule, target segment, budget and member counts.

    ``sent`` counts every member reached (those who responded or converted too),
    ``responded`` those who responded or converted; only members the user may see count.
    """

    id: int
    name: str
    type: str = Field(description="The channel: email, sms, telemarketing, event, …")
    status: str
    parent_id: int | None
    segment_id: int | None
    segment: str | None = Field(description="The target segment's name")
    budget: str
    actual_cost: str
    currency: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    owner: str | None
    members: int
    sent: int
    responded: int
    converted: int


class CostOut(BaseModel):
    """One cost entry of a campaign."""

    id: int
    incurred_on: dt.date
    amount: str
    note: str | None


class CampaignDetailOut(CampaignOut):
    """One campaign with its description, message template, costs and follow-ups."""

    description: str | None
    template: str | None
    subject: str | None
    costs: list[CostOut]
    follow_ups: list[int]


class LeadOut(BaseModel):
    """A lead as listed."""

    id: int
    name: str
    company: str | None
    email: str | None
    phone: str | None
    source: str
    campaign_id: int | None
    interest: str | None
    estimated_value: str
    currency: str
    status: str
    disqualified_reason: str | None
    owner: str | None
    score: int
    grade: str | None
    customer_id: int | None
    matched_customer_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadDetailOut(LeadOut):
    """One lead with its notes, touches, the rules behind its score and its conversion."""

    notes: str | None
    score_components: list[dict[str, Any]]
    touches: list[dict[str, Any]]
    conversion: dict[str, Any]
    converted_at: dt.datetime | None


class LeadIn(BaseModel):
    """A lead captured from a web form or another system (validated like ``leads add``).

    ``source`` defaults to the settings' ``form_source``; ``owner`` (a staff username) is
    for assigners only, otherwise the assignment rule decides.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    source: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    campaign_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    interest: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    estimated_value: str | None = Field(default=None, max_length=32, description=MONEY)
    currency: str | None = Field(default=None, max_length=3)
    owner: str | None = Field(default=None, max_length=100)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL refuses NUL in text; say so as bad input rather than fail the write.
        return no_nul(value) if isinstance(value, str) else value


class CaptureOut(BaseModel):
    """What a capture did: ``created`` or ``merged`` into an open lead of the same person.

    ``lead`` is null when the lead is one the caller may not see (it was merged into a
    lead of somebody else's, or the assignment rule gave it to another owner): the
    capture happened, but its details are not the caller's to read.
    """

    outcome: Literal["created", "merged"]
    lead: LeadOut | None
    match: str | None = None


class SegmentCountOut(BaseModel):
    """How many current members a segment has (the ones the user may see)."""

    segment_id: int
    name: str
    kind: str
    count: int


# ----------------------------------------------------------------------------- helpers


def _money(value: Decimal | None) -> str:
    # Two decimals always: a stored amount is whole hundredths, one just parsed may not
    # be written that way yet ("800.5").
    return str((value if value is not None else Decimal("0")).quantize(Decimal("0.01")))


def _after_id(after: str | None) -> int | None:
    """The id in an ``after`` cursor of these listings (ordered by id)."""
    if after is None:
        return None
    value = decode_cursor(after, 1)[0]
    if not isinstance(value, int):
        raise ValidationError("after", "is not a cursor this API gave out")
    return value


def _segment_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    from guanxi_marketing.segments.models import Segment

    if not ids:
        return {}
    rows = uow.session.execute(select(Segment.id, Segment.name).where(Segment.id.in_(ids)))
    return {int(i): name for i, name in rows}


def _campaign_out(row: Any, segments: dict[int, str]) -> CampaignOut:
    return CampaignOut(
        id=row.id, name=row.name, type=row.type, status=row.status, parent_id=row.parent_id,
        segment_id=row.segment_id, segment=segments.get(row.segment_id or 0),
        budget=_money(row.budget), actual_cost=_money(row.actual_cost), currency=row.currency,
        starts_on=row.starts_on, ends_on=row.ends_on, owner=row.owner, members=row.members,
        sent=row.sent, responded=row.responded, converted=row.converted)


def campaign_page(uow: UnitOfWork, *, status: str | None, type: str | None,
                  after: str | None, limit: int) -> Page[CampaignOut]:
    """One page of the campaigns the user may see, in id order (``list_campaigns``)."""
    from guanxi_marketing.campaigns.service import list_campaigns

    rows = list_campaigns(uow, status=status, type=type, after_id=_after_id(after),
                          limit=limit + 1)
    items, cursor = page_of(rows, limit, key=lambda row: (row.id,))
    segments = _segment_names(uow, {r.segment_id for r in items if r.segment_id})
    return Page[CampaignOut](items=[_campaign_out(r, segments) for r in items], next=cursor)


def campaign_detail_out(uow: UnitOfWork, campaign_id: int) -> CampaignDetailOut:
    """One campaign the user may see (``campaigns show``); NotFoundError otherwise."""
    from guanxi_marketing.campaigns.service import campaign_detail

    detail = campaign_detail(uow, campaign_id)
    row = detail.campaign
    base = _campaign_out(row, _segment_names(uow, {row.segment_id} if row.segment_id else set()))
    return CampaignDetailOut(
        **base.model_dump(), description=detail.description, template=detail.template,
        subject=detail.subject, follow_ups=detail.follow_ups,
        costs=[CostOut(id=c["id"], incurred_on=c["incurred_on"], amount=_money(c["amount"]),
                       note=c["note"]) for c in detail.costs])


def _lead_out(lead: Lead, owners: dict[int, str], model: type[LeadOut] = LeadOut) -> Any:
    fields = {name: getattr(lead, name) for name in model.model_fields
              if name not in ("owner", "estimated_value")}
    return model(**fields, owner=owners.get(lead.owner_id or 0),
                 estimated_value=_money(lead.estimated_value))


def _owners(uow: UnitOfWork, leads: list[Lead]) -> dict[int, str]:
    from guanxi.services.staff import usernames

    return usernames(uow, [lead.owner_id for lead in leads])


LeadStatus = Literal["open", "new", "working", "qualified", "disqualified", "converted"]
assert set(LeadStatus.__args__) == {"open", *LEAD_STATUSES}  # type: ignore[attr-defined]


def lead_page(uow: UnitOfWork, *, status: str | None, min_score: int | None,
              grade: str | None, source: str | None, after: str | None,
              limit: int) -> Page[LeadOut]:
    """One page of the leads the user may see, in id order (``list_leads``)."""
    from guanxi_marketing.leads.service import list_leads

    leads = list_leads(uow, status=status, min_score=min_score, grade=grade, source=source,
                       after_id=_after_id(after), limit=limit + 1)
    items, cursor = page_of(leads, limit, key=lambda lead: (lead.id,))
    owners = _owners(uow, items)
    return Page[LeadOut](items=[_lead_out(lead, owners) for lead in items], next=cursor)


def lead_detail_out(uow: UnitOfWork, lead_id: int) -> LeadDetailOut:
    """One lead the user may see; NotFoundError otherwise."""
    from guanxi_marketing.leads.common import get_lead

    lead = get_lead(uow, lead_id)
    result: LeadDetailOut = _lead_out(lead, _owners(uow, [lead]), LeadDetailOut)
    return result


# ----------------------------------------------------------------------------- API


@router.get("/campaigns", response_model=Page[CampaignOut], summary="List campaigns")
def api_campaigns(
    ctx: ApiContext, limit: Limit = 50, after: After = None,
    status: Annotated[Literal[CAMPAIGN_STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
    type: Annotated[str | None, Query(max_length=20, description="The channel")] = None,
) -> Page[CampaignOut]:
    """The campaigns you may see, in id order, with their member counts."""
    with ctx.transaction() as uow:
        return campaign_page(uow, status=status, type=type, after=after, limit=limit)


@router.get("/campaigns/{campaign_id}", response_model=CampaignDetailOut,
            summary="One campaign", responses=NOT_FOUND)
def api_campaign(ctx: ApiContext, campaign_id: RecordId) -> CampaignDetailOut:
    """A campaign with its counts, costs and follow-up campaigns."""
    with ctx.transaction() as uow:
        return campaign_detail_out(uow, campaign_id)


@router.get("/leads", response_model=Page[LeadOut], summary="List leads")
def api_leads(
    ctx: ApiContext, limit: Limit = 50, after: After = None,
    status: Annotated[LeadStatus | None, Query(description="A status, or open")] = None,
    min_score: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    grade: Annotated[str | None, Query(max_length=8)] = None,
    source: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[LeadOut]:
    """The leads you may see (yours, and those of customers you see), in id order."""
    with ctx.transaction() as uow:
        return lead_page(uow, status=status, min_score=min_score, grade=grade,
                         source=source, after=after, limit=limit)


@router.get("/leads/{lead_id}", response_model=LeadDetailOut, summary="One lead",
            responses=NOT_FOUND)
def api_lead(ctx: ApiContext, lead_id: RecordId) -> LeadDetailOut:
    """A lead with its score explained, its touches and its conversion."""
    with ctx.transaction() as uow:
        return lead_detail_out(uow, lead_id)


@router.post("/leads", response_model=CaptureOut, status_code=201, summary="Capture a lead",
             responses={422: {"description": "A field is invalid (named in the error)"}})
def api_capture(ctx: ApiContext, body: LeadIn) -> CaptureOut:
    """Capture a lead (a web form's post, say): validated, de-duplicated against the
    open leads and matched with customers, scored, assigned — as ``leads add`` does."""
    from guanxi_marketing.leads.common import get_lead, lead_settings
    from guanxi_marketing.leads.service import capture

    given = body.model_dump(exclude_none=True, exclude={"name", "source"})
    with ctx.transaction() as uow:
        source = body.source or lead_settings(uow.app).form_source
        result = capture(uow, name=body.name, source=source, **given)
        try:
            lead = get_lead(uow, result.lead.id or 0)
        except NotFoundError:
            return CaptureOut(outcome=result.outcome, lead=None)  # type: ignore[arg-type]
        return CaptureOut(outcome=result.outcome,  # type: ignore[arg-type]
                          lead=_lead_out(lead, _owners(uow, [lead])), match=result.match)


@router.get("/segments/{segment_id}/count", response_model=SegmentCountOut,
            summary="Count a segment's members", responses=NOT_FOUND)
def api_segment_count(ctx: ApiContext, segment_id: RecordId) -> SegmentCountOut:
    """How many current members the segment has among the customers you may see."""
    from guanxi_marketing.segments.service import count_members, get_segment

    with ctx.transaction() as uow:
        segment = get_segment(uow, segment_id)
        return SegmentCountOut(segment_id=segment.id or 0, name=segment.name,
                               kind=segment.kind, count=count_members(uow, segment))


# ----------------------------------------------------------------------------- console


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """A filter from a console link: anything unknown means no filter."""
    return value if value in allowed else None


@console.get("/marketing/campaigns", response_class=HTMLResponse)
def campaigns_page(ctx: ConsoleContext, status: str | None = None,
                   after: str | None = None) -> Response:
    """The campaign list: status, channel, segment, schedule and result counts."""
    status = _choice(status, CAMPAIGN_STATUSES)
    with ctx.transaction() as uow:
        page = campaign_page(uow, status=status, type=None, after=after, limit=50)
    return render(ctx, "marketing/console/campaigns.html", page=page, selected=status,
                  statuses=CAMPAIGN_STATUSES)


@console.get("/marketing/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page_view(ctx: ConsoleContext, campaign_id: RecordId) -> Response:
    """One campaign: its schedule, budget, counts, costs and follow-ups."""
    with ctx.transaction() as uow:
        campaign = campaign_detail_out(uow, campaign_id)
    return render(ctx, "marketing/console/campaign.html", campaign=campaign)


@console.get("/marketing/leads", response_class=HTMLResponse)
def leads_page(ctx: ConsoleContext, status: str | None = "open",
               after: str | None = None) -> Response:
    """The leads the user may see, by status (open ones first of all)."""
    status = _choice(status, ("open", *LEAD_STATUSES))
    with ctx.transaction() as uow:
        page = lead_page(uow, status=status, min_score=None, grade=None, source=None,
                         after=after, limit=50)
    return render(ctx, "marketing/console/leads.html", page=page, selected=status,
                  statuses=("open", *LEAD_STATUSES))


NAV = (
    NavItem("marketing.campaigns", "/marketing/campaigns", permission="marketing.campaign:read",
            order=60),
    NavItem("marketing.leads", "/marketing/leads", permission="marketing.lead:read", order=61),
)

_STATUS_WORDS = {
    "zh": {"draft": "草稿", "planned": "已计划", "running": "进行中", "completed": "已完成",
           "cancelled": "已取消", "open": "未结", "new": "新建", "working": "跟进中",
           "qualified": "已确认", "disqualified": "已排除", "converted": "已转化"},
    "en": {"draft": "Draft", "planned": "Planned", "running": "Running",
           "completed": "Completed", "cancelled": "Cancelled", "open": "Open", "new": "New",
           "working": "Working", "qualified": "Qualified", "disqualified": "Disqualified",
           "converted": "Converted"},
}
_TYPE_WORDS = {
    "zh": {"email": "邮件", "sms": "短信", "telemarketing": "电话营销", "event": "活动",
           "direct_mail": "直邮", "social": "社交媒体"},
    "en": {"email": "Email", "sms": "SMS", "telemarketing": "Telemarketing", "event": "Event",
           "direct_mail": "Direct mail", "social": "Social"},
}
_WORDS = {
    "zh": {"campaigns": "营销活动", "leads": "商机", "all": "全部", "name": "名称",
           "status": "状态", "channel": "渠道", "segment": "目标细分", "schedule": "日程",
           "budget": "预算", "actual_cost": "实际成本", "owner": "负责人", "members": "成员",
           "sent": "已触达", "responded": "已响应", "converted_count": "已转化",
           "results": "效果", "description": "说明", "template": "消息模板",
           "subject": "邮件主题", "costs": "成本明细", "date": "日期", "amount": "金额",
           "note": "备注", "follow_ups": "跟进活动", "parent": "上级活动",
           "no_campaigns": "没有可查看的营销活动", "no_leads": "没有可查看的商机",
           "no_costs": "没有成本记录", "company": "单位", "source": "来源", "score": "评分",
           "grade": "等级", "value": "预计金额", "captured": "获取时间", "email": "邮箱",
           "phone": "电话", "interest": "意向", "notes": "备注", "customer": "对应客户",
           "score_rules": "评分依据", "rule": "规则", "points": "分值", "detail": "明细",
           "touches": "接触记录", "kind": "类型", "at": "时间", "campaign": "营销活动",
           "reason": "排除原因"},
    "en": {"campaigns": "Campaigns", "leads": "Leads", "all": "All", "name": "Name",
           "status": "Status", "channel": "Channel", "segment": "Segment",
           "schedule": "Schedule", "budget": "Budget", "actual_cost": "Actual cost",
           "owner": "Owner", "members": "Members", "sent": "Reached",
           "responded": "Responded", "converted_count": "Converted", "results": "Results",
           "description": "Description", "template": "Message template",
           "subject": "Email subject", "costs": "Costs", "date": "Date", "amount": "Amount",
           "note": "Note", "follow_ups": "Follow-up campaigns", "parent": "Parent campaign",
           "no_campaigns": "No campaigns you may see", "no_leads": "No leads you may see",
           "no_costs": "No costs recorded", "company": "Company", "source": "Source",
           "score": "Score", "grade": "Grade", "value": "Estimated value",
           "captured": "Captured", "email": "Email", "phone": "Phone",
           "interest": "Interest", "notes": "Notes", "customer": "Customer",
           "score_rules": "Why this score", "rule": "Rule", "points": "Points",
           "detail": "Detail", "touches": "Touches", "kind": "Kind", "at": "At",
           "campaign": "Campaign", "reason": "Reason"},
}


def _messages() -> dict[str, dict[str, str]]:
    """The console strings, keyed ``marketing.<word>``, ``marketing.status.<status>`` and
    ``marketing.type.<channel>``."""
    messages: dict[str, dict[str, str]] = {}
    for language in ("zh", "en"):
        strings = {f"marketing.{k}": v for k, v in _WORDS[language].items()}
        strings.update({f"marketing.status.{k}": v for k, v in _STATUS_WORDS[language].items()})
        strings.update({f"marketing.type.{k}": v for k, v in _TYPE_WORDS[language].items()})
        messages[language] = strings
    return messages


MESSAGES = _messages()


def register(register_routes: Any) -> None:
    """Hand the API router, the console pages, the menu and the strings to the web app."""
    from guanxi_marketing import lead_console  # the lead page and its forms

    register_routes(router)
    register_routes(console, console=True, nav=NAV, messages=MESSAGES)
    lead_console.register(register_routes)
