"""Accounts (账户) and their contacts, competitors (竞争管理), core customers (核心客户:
a fixed owner and a fixed contact period, checked by a daily job) and lead hand-off.

An account is a core customer record — a customer, partner or competitor — with its
address, phone, web page and fax as contact points; its contacts are the people whose
``organization_id`` names it, so each contact belongs to exactly one account. Reads go
through ORM queries on ``uow.session``, so the record policies apply.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, CustomerRole, Interaction
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi.services.customers import add_customer
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff, usernames
from guanxi.services.tasks import create_task
from guanxi.services.updates import update_customer
from guanxi_sales.models import (
    AccountCadence,
    CompetitorProfile,
    Opportunity,
    OpportunityCompetitor,
)
from guanxi_sales.opportunities import (
    ENTITY,
    OpportunityRow,
    create_opportunity,
    get_opportunity,
    list_opportunities,
    lose_opportunity,
    move_opportunity,
    opportunity_rows,
    pipeline_spec,
    sales_settings,
    update_opportunity,
    visible_customer,
    win_opportunity,
)

CADENCE_JOB = "sales.core_cadence"

# ----------------------------------------------------------------------------- competitors


PROFILE_FIELDS = ("products", "strengths", "weaknesses", "strategy", "scale")


def add_competitor(
    uow: UnitOfWork, *, name: str | None = None, customer_id: int | None = None,
    web: str | None = None, **profile: str | None,
) -> CompetitorProfile:
    """Record a competitor (竞争对手): a new organisation called ``name``, or the
    existing customer ``customer_id`` (who gets the role ``competitor``), with what is
    known of it: products, strengths, weaknesses, strategy, scale. Updates a profile
    that exists."""
    require(uow, "sales.competitor", "create")
    for key in profile:
        if key not in PROFILE_FIELDS:
            raise ValidationError(key, "unknown competitor field")
    if customer_id is None:
        if not (name or "").strip():
            raise ValidationError("name", "is required")
        points = [{"kind": "web", "value": web}] if web else []
        created = add_customer(uow, kind="organization", name=name, roles=["competitor"],
                               contact_points=points)
        customer_id = created.id
    else:
        visible_customer(uow, customer_id, "customer_id")
        roles = set(uow.session.exec(select(CustomerRole.role).where(
            CustomerRole.customer_id == customer_id)).scalars())
        if "competitor" not in roles:
            update_customer(uow, customer_id, {"roles": sorted(roles | {"competitor"})})
    assert customer_id is not None
    row = uow.session.exec(select(CompetitorProfile).where(
        CompetitorProfile.customer_id == customer_id)).scalars().first()
    if row is None:
        row = CompetitorProfile(customer_id=customer_id)
        uow.session.add(row)
    for key, value in profile.items():
        if value is not None:
            setattr(row, key, value or None)
    uow.session.flush()
    return row


@dataclass(frozen=True)
class CompetitorRow:
    """A competitor with its profile and our record against it."""

    customer_id: int
    name: str | None
    products: str | None
    strengths: str | None
    weaknesses: str | None
    strategy: str | None
    scale: str | None
    open: int
    won: int
    lost: int

    @property
    def win_rate(self) -> float | None:
        """Won / (won + lost) of the closed opportunities it was in."""
        return round(self.won / (self.won + self.lost), 4) if self.won + self.lost else None


def list_competitors(uow: UnitOfWork, *, customer_id: int | None = None) -> list[CompetitorRow]:
    """Competitors (profiles) the principal may see, with open/won/lost counts."""
    require(uow, "sales.competitor", "read")
    query = select(CompetitorProfile)
    if customer_id is not None:
        query = query.where(CompetitorProfile.customer_id == customer_id)
    profiles = uow.session.exec(query.order_by(CompetitorProfile.customer_id)).scalars().all()
    counts: dict[tuple[int, str], int] = {}
    ids = [p.customer_id for p in profiles]
    for chunk in chunks(ids):
        tally = (select(OpportunityCompetitor.competitor_id, Opportunity.status, func.count())
                 .join(Opportunity, Opportunity.id == OpportunityCompetitor.opportunity_id)
                 .where(OpportunityCompetitor.competitor_id.in_(chunk))
                 .group_by(OpportunityCompetitor.competitor_id, Opportunity.status))
        counts.update({(cid, status): n for cid, status, n in uow.session.exec(tally)})
    names = customer_names(uow, ids)
    return [CompetitorRow(
        p.customer_id, names.get(p.customer_id), p.products, p.strengths, p.weaknesses, p.strategy,
        p.scale, counts.get((p.customer_id, "open"), 0), counts.get((p.customer_id, "won"), 0),
        counts.get((p.customer_id, "lost"), 0)) for p in profiles]


def competitor_detail(
    uow: UnitOfWork, customer_id: int
) -> tuple[CompetitorRow, list[OpportunityRow]]:
    """A competitor's profile and record, with the opportunities it is in."""
    found = list_competitors(uow, customer_id=customer_id)
    if not found:
        raise NotFoundError(f"no competitor with id {customer_id}")
    link = OpportunityCompetitor
    query = (select(Opportunity).join(link, link.opportunity_id == Opportunity.id)
             .where(link.competitor_id == customer_id).order_by(Opportunity.id))
    return found[0], opportunity_rows(uow, uow.session.exec(query).scalars().all())


# ----------------------------------------------------------------------------- accounts


@dataclass
class AccountView:
    """An account (客户/合作对象/竞争对手) with its contacts, opportunities, activities, quotes."""

    customer: CustomerRecord
    owner: str | None
    contact_info: dict[str, list[str]]
    contacts: list[dict[str, Any]]
    opportunities: list[OpportunityRow]
    activities: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    core: dict[str, Any] | None


def account_view(uow: UnitOfWork, customer_id: int) -> AccountView:
    """The account view: address, phone, web, fax; its contacts (each belongs to this one
    account), open opportunities, recent and planned activities and recent quotes."""
    from guanxi.services.lookup import get_customer, load_records
    from guanxi_sales.activities import visible_activities
    from guanxi_sales.models import Activity, Quote

    record = get_customer(uow, customer_id)
    info: dict[str, list[str]] = {}
    for point in record.contact_points:
        info.setdefault(point.kind, []).append(point.value)
    people = uow.session.exec(select(Customer).where(Customer.organization_id == customer_id)
                              .order_by(Customer.id)).scalars().all()
    contacts = [{"id": p.id, "name": p.name, "email": p.primary_email, "phone": p.primary_phone,
                 "occupation": p.occupation} for p in load_records(uow, people)]
    related = [customer_id, *(p.id for p in people)]
    opps = list_opportunities(uow, customer_id=customer_id, limit=1000)
    # Through visible_activities: a private activity stays its organiser's and
    # participants' even on an account others may see.
    recent = (visible_activities(uow).where(Activity.customer_id.in_(related))
              .order_by(Activity.starts_at.desc()).limit(10))
    activities = [{"id": a.id, "type": a.type, "subject": a.subject, "starts_at": a.starts_at,
                   "status": a.status, "customer_id": a.customer_id}
                  for a in uow.session.exec(recent)]
    latest = (select(Quote).where(Quote.customer_id.in_(related), Quote.status != "superseded")
              .order_by(Quote.created_at.desc()).limit(10))
    quotes = [{"id": q.id, "number": q.number, "version": q.version, "status": q.status,
               "total": q.total, "valid_until": q.valid_until}
              for q in uow.session.exec(latest).scalars()]
    cadence = list_core_customers(uow, customer_id=customer_id)
    owners = usernames(uow, [record.owner_id])
    return AccountView(
        customer=record, owner=owners.get(record.owner_id) if record.owner_id else None,
        contact_info=info, contacts=contacts, opportunities=opps, activities=activities,
        quotes=quotes, core=asdict(cadence[0]) if cadence else None,
    )


_opportunity = Opportunity.__table__  # type: ignore[attr-defined]
_cadence = AccountCadence.__table__  # type: ignore[attr-defined]
_TALLY = (
    select(_opportunity.c.status, func.count(), func.sum(_opportunity.c.amount))
    .where(_opportunity.c.customer_id == bindparam("customer"))
    .group_by(_opportunity.c.status)
)
_CADENCE = select(_cadence.c.contact_period_days).where(
    _cadence.c.customer_id == bindparam("customer")
)


def account_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """The 销售 section of the customer 360 view: open and won business, core cadence."""
    if not uow.principal.can(ENTITY, "read"):
        return None
    # Prepared Core statements: the view's customer is read and allowed already, and
    # whoever sees a customer sees what is keyed by it (decision 20).
    connection = uow.session.connection()
    given = {"customer": customer.id}
    tally = {status: (n, total) for status, n, total in connection.execute(_TALLY, given)}
    cadence = connection.execute(_CADENCE, given).first()
    if not tally and cadence is None:
        return None
    rows: list[tuple[str, Any]] = []
    for status in ("open", "won", "lost"):
        if status in tally:
            rows.append((f"{status} opportunities", f"{tally[status][0]} ({tally[status][1]})"))
    if cadence is not None:
        rows.append(("core customer: contact every", f"{cadence.contact_period_days} days"))
    items = [{"id": o.id, "name": o.name, "stage": o.stage, "amount": str(o.amount),
              "expected_close": o.expected_close.isoformat(), "owner": o.owner}
             for o in list_opportunities(uow, customer_id=customer.id, limit=10)]
    return Section(title="销售 sales", rows=rows, items=items)


# ----------------------------------------------------------------------------- core customers


@dataclass(frozen=True)
class CoreCustomerRow:
    """A core customer: owner, contact period, last contact and when the next is due."""

    customer_id: int
    name: str | None
    owner: str | None
    period_days: int
    last_contact: dt.datetime | None
    next_due: dt.datetime
    overdue: bool
    flagged_at: dt.datetime | None


def set_core_customer(
    uow: UnitOfWork, customer_id: int, *, period_days: int | str | None = None,
    owner: str | int | None = None,
) -> AccountCadence:
    """Make a customer a core customer (核心客户) contacted every ``period_days``
    (default: the setting ``core_contact_period_days``). A core customer has an owner:
    ``owner`` sets it; without one the customer must already have one."""
    require(uow, "sales.account_cadence", "create")
    customer = visible_customer(uow, customer_id, "customer_id")
    if period_days is None:
        days = sales_settings(uow.app).core_contact_period_days
    else:
        try:
            days = int(period_days)
        except ValueError:
            raise ValidationError("period", f"not a number of days: {period_days!r}") from None
        if not 1 <= days <= 3650:
            raise ValidationError("period", f"{days} is outside 1-3650 days")
    if owner is not None:
        update_customer(uow, customer_id, {"owner": active_staff(uow, owner).username})
    elif customer.owner_id is None:
        raise ValidationError("owner", "a core customer needs an owner (give one)")
    row = uow.session.exec(select(AccountCadence).where(
        AccountCadence.customer_id == customer_id)).scalars().first()
    if row is None:
        row = AccountCadence(customer_id=customer_id, contact_period_days=days)
        uow.session.add(row)
    else:
        row.contact_period_days = days
    uow.session.flush()
    return row


def remove_core_customer(uow: UnitOfWork, customer_id: int) -> None:
    """Stop treating a customer as a core customer."""
    require(uow, "sales.account_cadence", "delete")
    row = uow.session.exec(select(AccountCadence).where(
        AccountCadence.customer_id == customer_id)).scalars().first()
    if row is None:
        raise NotFoundError(f"customer {customer_id} is not a core customer")
    uow.session.delete(row)
    uow.session.flush()


def last_contacts(uow: UnitOfWork, account_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """The last inbound or outbound interaction with each account or one of its people."""
    members: dict[int, int] = {a: a for a in account_ids}
    for chunk in chunks(list(account_ids)):
        query = (select(Customer.id, Customer.organization_id)
                 .where(Customer.organization_id.in_(chunk)))
        members.update({pid: org for pid, org in uow.session.exec(query)})
    last: dict[int, dt.datetime] = {}
    for chunk in chunks(list(members)):
        query = (select(Interaction.customer_id, func.max(Interaction.occurred_at))
                 .where(Interaction.customer_id.in_(chunk), Interaction.direction != "internal")
                 .group_by(Interaction.customer_id))
        for cid, at in uow.session.exec(query):
            account = members[cid]
            if at is not None and (account not in last or at > last[account]):
                last[account] = at
    return last


def list_core_customers(
    uow: UnitOfWork, *, overdue_only: bool = False, customer_id: int | None = None,
    at: dt.datetime | None = None,
) -> list[CoreCustomerRow]:
    """Core customers the principal may see, with their last contact and next due date.

    A customer never contacted is due one period after he was created.
    """
    require(uow, "sales.account_cadence", "read")
    now = at or uow.now
    query = (select(AccountCadence, Customer)
             .join(Customer, Customer.id == AccountCadence.customer_id))
    if customer_id is not None:
        query = query.where(AccountCadence.customer_id == customer_id)
    pairs = uow.session.exec(query.order_by(AccountCadence.customer_id)).all()
    last = last_contacts(uow, [c.customer_id for c, _ in pairs])
    owners = usernames(uow, [customer.owner_id for _, customer in pairs])
    rows = []
    for cadence, customer in pairs:
        contact = last.get(cadence.customer_id)
        due = (contact or customer.created_at) + dt.timedelta(days=cadence.contact_period_days)
        row = CoreCustomerRow(cadence.customer_id, customer.name, owners.get(customer.owner_id),
                              cadence.contact_period_days, contact, due, due <= now,
                              cadence.flagged_at)
        if row.overdue or not overdue_only:
            rows.append(row)
    return rows


def check_core_cadence(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The job ``sales.core_cadence``: a task for the owner of every overdue core customer.

    A customer is flagged once per overdue spell: again only after a newer contact.
    """
    flagged = 0
    overdue = list_core_customers(uow, overdue_only=True, at=due_at)
    for row in overdue:
        cadence = uow.session.get(AccountCadence, row.customer_id)
        assert cadence is not None
        since = row.last_contact or dt.datetime.min.replace(tzinfo=dt.UTC)
        if cadence.flagged_at is not None and cadence.flagged_at >= since:
            continue
        owner_id = uow.session.get(Customer, row.customer_id).owner_id
        last = (row.last_contact.astimezone(uow.app.tz).date().isoformat()
                if row.last_contact else "never")
        title = (f"核心客户回访 contact core customer {row.name} "
                 f"(last contact {last}, every {row.period_days} days)")
        create_task(uow, customer_id=row.customer_id, assignee=owner_id, due_at=due_at,
                    priority="high", title=title[:300], source=CADENCE_JOB)
        cadence.flagged_at = due_at
        flagged += 1
    uow.session.flush()
    return f"flagged {flagged} of {len(overdue)} overdue core customers"


# ----------------------------------------------------------------------------- lead hand-off


def hand_off_lead(
    uow: UnitOfWork, customer_id: int, owner: str | int, *, with_opportunities: bool = False,
    follow_up_days: int = 1,
) -> int:
    """Give a lead (any customer) exactly one owner and a follow-up task for him.

    With ``with_opportunities`` his open opportunities follow. Returns the task's id.
    """
    staff = active_staff(uow, owner)
    customer = visible_customer(uow, customer_id, "customer_id")
    # The task and the opportunities first, the owner last: once he owns the customer,
    # the acting user may no longer see it (a department hands it to another).
    title = f"跟进新线索 follow up lead: {customer.name}"
    task = create_task(uow, customer_id=customer_id, title=title[:300],
                       due_at=uow.now + dt.timedelta(days=follow_up_days), assignee=staff.id,
                       source="sales.lead")
    if with_opportunities:
        require(uow, ENTITY, "update")
        for opp in uow.session.exec(select(Opportunity).where(
                Opportunity.customer_id == customer_id, Opportunity.status == "open")).scalars():
            opp.owner_id, opp.updated_at = staff.id, uow.now
    update_customer(uow, customer_id, {"owner": staff.username})
    assert task.id is not None
    return task.id


DEMO_COMPETITORS = [
    ("远大智能装备有限公司", "工程机械、配件", "价格低、交货快", "售后网点少", "低价抢单", "大型"),
    ("华美科技集团", "软件与服务", "品牌知名度高", "定制能力弱", "捆绑销售", "大型"),
    ("新锐贸易有限公司", "贸易、分销", "渠道广", "产品线窄", "渠道返利", "中型"),
]
DEMO_SOURCES = ["lead", "campaign", "referral", "website", "exhibition"]


def _demo_plan(
    rng: random.Random, start: dt.datetime, end: dt.datetime, stages: int
) -> list[tuple[dt.datetime, str]]:
    """One opportunity's life: (time, action) with actions open, move, win and lose."""
    minutes = int((end - start).total_seconds() // 60) - 60 * 24 * 20
    at = start + dt.timedelta(minutes=rng.randrange(minutes))
    plan = [(at, "open")]
    stage = 0
    while True:
        at += dt.timedelta(hours=rng.randrange(2 * 24, 40 * 24))
        if at >= end:
            return plan
        roll = rng.random()
        if roll < 0.18:
            return [*plan, (at, "lose")]
        if stage == stages - 1 or roll > 0.92:
            return [*plan, (at, "win" if rng.random() < 0.6 else "lose")]
        stage += 1
        plan.append((at, "move"))


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Competitors, opportunities with stage histories over the demo's last 18 months and
    a few core customers, written through the services above with ``uow.now`` set back."""
    settings = sales_settings(uow.app)
    _, spec = pipeline_spec(uow.app)
    stages = [s.name for s in spec.open_stages]
    end = uow.now
    start = end - dt.timedelta(days=540)
    orgs = [c for c in customers if c.kind == "organization"]
    people = [c for c in customers if c.kind == "person"]
    accounts = orgs + rng.sample(people, k=len(people) // 20)
    plans = [(i, account, _demo_plan(rng, start, end, len(stages)))
             for i, account in enumerate(a for a in accounts for _ in range(rng.randrange(0, 4)))]
    steps = sorted((at, i, n, action)
                   for i, _, plan in plans for n, (at, action) in enumerate(plan))
    try:
        uow.now = start
        rivals = []
        if "competitor" in uow.app.settings.roles:
            for name, *profile in DEMO_COMPETITORS:
                added = add_competitor(uow, name=name, **dict(zip(PROFILE_FIELDS, profile,
                                                                  strict=True)))
                rivals.append(added.customer_id)
        ids: dict[int, int] = {}
        for at, i, _, action in steps:
            uow.now = at
            account = plans[i][1]
            if action == "open":
                close = (at + dt.timedelta(days=rng.randrange(30, 150))).astimezone(uow.app.tz)
                involved = rng.sample(rivals, k=rng.randrange(0, min(2, len(rivals)) + 1))
                ids[i] = create_opportunity(
                    uow, customer_id=account.id, name=f"{account.name} 项目 {i + 1}"[:200],
                    amount=Decimal(rng.randrange(50, 5000) * 100), expected_close=close,
                    source=rng.choice(DEMO_SOURCES), competitors=involved,
                    approach=rng.choice(["高层拜访", "方案演示", "试用", "价格优惠"])).id
            elif action == "move":
                opp = get_opportunity(uow, ids[i])
                move_opportunity(uow, ids[i], stages[stages.index(opp.stage) + 1])
            elif action == "win":
                win_opportunity(uow, ids[i])
            else:
                reason = rng.choice(settings.lost_reasons)
                rival = rng.choice(rivals) if rivals and reason == "competitor" else None
                lose_opportunity(uow, ids[i], reason, competitor=rival)
        uow.now = end
        today = uow.today()
        for opp_id in ids.values():
            opp = get_opportunity(uow, opp_id)
            if opp.status == "open" and opp.expected_close < today:
                later = today + dt.timedelta(days=rng.randrange(7, 120))
                update_opportunity(uow, opp_id, expected_close=later)
        for account in rng.sample(orgs, k=min(5, len(orgs))):
            if account.owner_id is not None:
                set_core_customer(uow, account.id, period_days=rng.choice([14, 30, 60]))
    finally:
        uow.now = end
