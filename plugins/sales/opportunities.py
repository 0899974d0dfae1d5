"""Opportunities (销售机会): opened on an account, moved through a pipeline's stages
(every change recorded with its time), won or lost, handed from owner to owner.

Every write checks the acting principal's permission (``require``) and reads through
ORM queries on ``uow.session``, so the record policies of the query layer decide what
the principal sees: an opportunity of a customer he may not see is not found. Every
event is also logged to the core interaction log (``sales.*`` kinds). Bad input raises
:class:`~guanxi.errors.ValidationError` naming the field before anything is written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.db.types import to_minor
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import Customer, CustomerRole
from guanxi.records import CustomerRecord
from guanxi.registry import Section
from guanxi.services.customers import require_customer
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi.services.lookup import customer_names
from guanxi.services.staff import active_staff, usernames
from guanxi_sales.models import (
    AccountCadence,
    CompetitorProfile,
    Opportunity,
    OpportunityCompetitor,
    StageChange,
)
from guanxi_sales.settings import PipelineSpec, SalesSettings

ENTITY = "sales.opportunity"
EARLIEST_CLOSE = dt.date(2000, 1, 1)
MAX_YEARS_AHEAD = 10
MAX_AMOUNT = Decimal("1e15")  # far below what integer hundredths in a BIGINT can hold


# ----------------------------------------------------------------------------- helpers


def sales_settings(app: App) -> SalesSettings:
    """The resolved ``[sales]`` settings."""
    return app.settings_for("sales")


def pipeline_spec(app: App, name: str | None = None) -> tuple[str, PipelineSpec]:
    """The pipeline called ``name`` (default: the settings' default pipeline)."""
    settings = sales_settings(app)
    chosen = name or settings.default_pipeline
    spec = settings.pipelines.get(chosen)
    if spec is None:
        known = ", ".join(sorted(settings.pipelines))
        raise ValidationError("pipeline", f"no pipeline {chosen!r} (one of {known})")
    return chosen, spec


def _won_stage(spec: PipelineSpec) -> str:
    return next(s.name for s in spec.stages if s.won)


def _lost_stage(spec: PipelineSpec) -> str:
    return next(s.name for s in spec.stages if s.lost)


def parse_amount(value: Decimal | int | str, field_name: str = "amount") -> Decimal:
    """A non-negative amount of money with at most two decimals."""
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
        to_minor(amount)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(field_name, f"not an amount of money: {value!r}") from exc
    if amount < 0:
        raise ValidationError(field_name, "must not be negative")
    if amount >= MAX_AMOUNT:
        raise ValidationError(field_name, f"{amount} is too large")
    return amount


def parse_probability(value: int | str) -> int:
    """A probability in percent, 0 to 100."""
    try:
        number = int(str(value).strip().rstrip("%"))
    except ValueError:
        raise ValidationError("probability", f"not a whole percentage: {value!r}") from None
    if not 0 <= number <= 100:
        raise ValidationError("probability", f"{number} is outside 0-100")
    return number


def parse_close_date(uow: UnitOfWork, value: dt.date | str) -> dt.date:
    """An expected close date from 2000 to ten years after today (display zone)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError("expected_close", f"not a date (YYYY-MM-DD): {value!r}") from None
    today = uow.today()
    latest = _add_years(today, MAX_YEARS_AHEAD)
    if value < EARLIEST_CLOSE or value > latest:
        raise ValidationError(
            "expected_close", f"{value} is outside {EARLIEST_CLOSE} to {latest}"
        )
    return value


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)




def visible_customer(uow: UnitOfWork, customer_id: int, field_name: str) -> Customer:
    """The customer row if the principal may see it; a :class:`ValidationError` naming
    ``field_name`` otherwise (an invisible customer is not found)."""
    try:
        return require_customer(uow, customer_id)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None








def _log(uow: UnitOfWork, opp: Opportunity, kind: str, payload: dict[str, Any],
         **extra: Any) -> None:
    # Validated one by one, not through log_interactions: that one also asks whether the
    # principal may see the customer, and an opportunity's owner may work it without
    # seeing its account (a row with an owner column is visible to its owner).
    require(uow, "interaction", "create")
    actor = uow.actor_id if uow.actor_id is not None else opp.owner_id
    record = validate_interaction(uow, {
        "customer_id": opp.customer_id, "kind": kind, "direction": "internal", "actor": actor,
        "subject": opp.name[:500], "payload": payload, **extra,
    })
    insert_interactions(uow, [record])


def _opp_payload(uow: UnitOfWork, opp: Opportunity, reason: str | None = None) -> dict[str, Any]:
    owner = usernames(uow, [opp.owner_id]).get(opp.owner_id) if opp.owner_id else None
    return {"opportunity_id": opp.id, "name": opp.name, "pipeline": opp.pipeline,
            "stage": opp.stage, "amount": str(opp.amount), "owner": owner, "source": opp.source,
            "reason": reason}


def _record_stage(uow: UnitOfWork, opp: Opportunity, before: str | None) -> None:
    assert opp.id is not None
    uow.session.add(StageChange(
        opportunity_id=opp.id, customer_id=opp.customer_id, pipeline=opp.pipeline,
        from_stage=before, to_stage=opp.stage, changed_at=uow.now, actor_id=uow.actor_id,
    ))


# ----------------------------------------------------------------------------- opportunities


def _competitor_ids(uow: UnitOfWork, refs: Iterable[int], account_id: int) -> list[int]:
    ids = list(dict.fromkeys(refs))
    for cid in ids:
        if cid == account_id:
            raise ValidationError("competitors", "an account cannot compete for its own business")
        visible_customer(uow, cid, "competitors")
    if ids:
        roles = set(uow.session.exec(select(CustomerRole.customer_id).where(
            CustomerRole.customer_id.in_(ids), CustomerRole.role == "competitor")).scalars())
        profiles = set(uow.session.exec(select(CompetitorProfile.customer_id).where(
            CompetitorProfile.customer_id.in_(ids))).scalars())
        for cid in ids:
            if cid not in roles | profiles:
                raise ValidationError("competitors", f"customer {cid} is not a competitor")
    return ids


def _contact_id(uow: UnitOfWork, contact: int | None, account: Customer) -> int | None:
    if contact is None:
        return None
    person = visible_customer(uow, contact, "contact")
    if person.id != account.id and person.organization_id != account.id:
        raise ValidationError("contact", f"{contact} is not a person of account {account.id}")
    return person.id


def create_opportunity(
    uow: UnitOfWork,
    *,
    customer_id: int,
    name: str,
    amount: Decimal | int | str,
    expected_close: dt.date | str,
    pipeline: str | None = None,
    stage: str | None = None,
    probability: int | str | None = None,
    owner: str | int | None = None,
    contact_id: int | None = None,
    approach: str | None = None,
    source: str | None = None,
    currency: str | None = None,
    competitors: Iterable[int] = (),
) -> Opportunity:
    """Open an opportunity on an account; log ``sales.opportunity_created``.

    The stage defaults to the pipeline's first, the probability to the stage's, the
    owner to the account's owner, else the acting user: an opportunity has exactly one
    owner. ``contact_id`` must be a person of the account; ``competitors`` are customer
    ids of competitors (role ``competitor`` or a competitor profile).
    """
    require(uow, ENTITY, "create")
    account = visible_customer(uow, customer_id, "customer_id")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("name", "is required (at most 200 characters)")
    money = parse_amount(amount)
    close = parse_close_date(uow, expected_close)
    pipeline_name, spec = pipeline_spec(uow.app, pipeline)
    stage_name = stage or spec.open_stages[0].name
    stage_spec = spec.stage(stage_name)
    if stage_spec is None:
        raise ValidationError("stage", f"no stage {stage_name!r} in pipeline {pipeline_name!r}")
    if stage_spec.won or stage_spec.lost:
        raise ValidationError("stage", f"{stage_name!r} closes an opportunity: open it first")
    chance = stage_spec.probability if probability is None else parse_probability(probability)
    if owner is not None:
        owner_id = active_staff(uow, owner).id
    elif account.owner_id is not None:
        owner_id = account.owner_id
    elif uow.actor_id is not None:
        owner_id = uow.actor_id
    else:
        raise ValidationError("owner", "is required (the account has no owner)")
    code = (currency or uow.app.settings.currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError("currency", f"not a currency code: {currency!r}")
    contact = _contact_id(uow, contact_id, account)
    rivals = _competitor_ids(uow, competitors, customer_id)
    opp = Opportunity(
        customer_id=customer_id, contact_id=contact, name=name, pipeline=pipeline_name,
        stage=stage_name, amount=money, currency=code, probability=chance, expected_close=close,
        owner_id=owner_id, approach=approach or None, source=(source or None), created_at=uow.now,
        updated_at=uow.now,
    )
    if opp.source is not None and len(opp.source) > 80:
        raise ValidationError("source", "at most 80 characters")
    uow.session.add(opp)
    uow.session.flush()
    _record_stage(uow, opp, None)
    for rival in rivals:
        uow.session.add(OpportunityCompetitor(
            opportunity_id=opp.id, competitor_id=rival, customer_id=customer_id))
    uow.session.flush()
    _log(uow, opp, "sales.opportunity_created", _opp_payload(uow, opp))
    return opp


def get_opportunity(uow: UnitOfWork, opportunity_id: int) -> Opportunity:
    """An opportunity the principal may see; :class:`NotFoundError` otherwise."""
    require(uow, ENTITY, "read")
    query = select(Opportunity).where(Opportunity.id == opportunity_id)
    opp = uow.session.exec(query).scalars().first()
    if opp is None:
        raise NotFoundError(f"no opportunity with id {opportunity_id}")
    return opp


def _open(uow: UnitOfWork, opportunity_id: int) -> Opportunity:
    require(uow, ENTITY, "update")
    opp = get_opportunity(uow, opportunity_id)
    if opp.status != "open":
        raise ValidationError("status", f"opportunity {opp.id} is {opp.status} and cannot change")
    return opp


def move_opportunity(
    uow: UnitOfWork, opportunity_id: int, stage: str, *, probability: int | str | None = None
) -> Opportunity:
    """Move an open opportunity to another open stage of its pipeline.

    The probability becomes the stage's unless given. Writes a stage change and logs
    ``sales.stage_changed``. Won and lost are reached with :func:`win_opportunity` and
    :func:`lose_opportunity` only.
    """
    opp = _open(uow, opportunity_id)
    _, spec = pipeline_spec(uow.app, opp.pipeline)
    target = spec.stage(stage)
    if target is None:
        raise ValidationError("stage", f"no stage {stage!r} in pipeline {opp.pipeline!r}")
    if target.won or target.lost:
        raise ValidationError("stage", f"{stage!r} closes the opportunity: use win or lose")
    if stage == opp.stage:
        raise ValidationError("stage", f"opportunity {opp.id} is already in {stage!r}")
    chance = target.probability if probability is None else parse_probability(probability)
    before = opp.stage
    opp.stage, opp.probability, opp.updated_at = stage, chance, uow.now
    _record_stage(uow, opp, before)
    uow.session.flush()
    _log(uow, opp, "sales.stage_changed", {"opportunity_id": opp.id, "pipeline": opp.pipeline,
                                           "from_stage": before, "to_stage": stage,
                                           "probability": chance})
    return opp


def _close(uow: UnitOfWork, opp: Opportunity, status: str, stage: str, chance: int) -> str:
    before = opp.stage
    opp.status, opp.stage, opp.probability = status, stage, chance
    opp.closed_at = opp.updated_at = uow.now
    # As in most CRMs the close date becomes the day it closed, so the forecast counts
    # won business in the period it was won.
    opp.expected_close = uow.today()
    _record_stage(uow, opp, before)
    uow.session.flush()
    return before


def win_opportunity(
    uow: UnitOfWork, opportunity_id: int, *, amount: Decimal | int | str | None = None
) -> Opportunity:
    """Mark an open opportunity won (final amount optional).

    Logs ``sales.opportunity_won`` and ``sales.order`` whose revenue is the amount.
    """
    opp = _open(uow, opportunity_id)
    if amount is not None:
        opp.amount = parse_amount(amount)
    _, spec = pipeline_spec(uow.app, opp.pipeline)
    won = _won_stage(spec)
    _close(uow, opp, "won", won, spec.stage(won).probability)
    _log(uow, opp, "sales.opportunity_won", _opp_payload(uow, opp))
    _log(uow, opp, "sales.order", {"opportunity_id": opp.id}, direction="inbound",
         revenue=opp.amount, currency=opp.currency)
    return opp


def lose_opportunity(
    uow: UnitOfWork, opportunity_id: int, reason: str, *, competitor: int | None = None
) -> Opportunity:
    """Mark an open opportunity lost for one of the settings' ``lost_reasons``.

    ``competitor`` (a competitor's customer id) records who won it instead; it joins
    the opportunity's competitors. Logs ``sales.opportunity_lost``.
    """
    opp = _open(uow, opportunity_id)
    reasons = sales_settings(uow.app).lost_reasons
    if (reason or "").strip() not in reasons:
        raise ValidationError("reason", f"{reason!r} is not one of: {', '.join(reasons)}")
    if competitor is not None:
        rival = _competitor_ids(uow, [competitor], opp.customer_id)[0]
        if uow.session.get(OpportunityCompetitor, (opp.id, rival)) is None:
            uow.session.add(OpportunityCompetitor(
                opportunity_id=opp.id, competitor_id=rival, customer_id=opp.customer_id))
    _, spec = pipeline_spec(uow.app, opp.pipeline)
    lost = _lost_stage(spec)
    opp.lost_reason = reason.strip()
    _close(uow, opp, "lost", lost, spec.stage(lost).probability)
    _log(uow, opp, "sales.opportunity_lost", _opp_payload(uow, opp, opp.lost_reason))
    return opp


UPDATABLE = ("name", "amount", "probability", "expected_close", "approach", "source", "contact_id")


def update_opportunity(
    uow: UnitOfWork, opportunity_id: int, *, competitors: Iterable[int] | None = None,
    **changes: Any,
) -> Opportunity:
    """Change an open opportunity's fields (``UPDATABLE``); ``competitors`` replaces the list."""
    opp = _open(uow, opportunity_id)
    for key in changes:
        if key not in UPDATABLE:
            raise ValidationError(key, "unknown or read-only field")
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = (changes["name"] or "").strip()
        if not values["name"] or len(values["name"]) > 200:
            raise ValidationError("name", "is required (at most 200 characters)")
    if "amount" in changes:
        values["amount"] = parse_amount(changes["amount"])
    if "probability" in changes:
        values["probability"] = parse_probability(changes["probability"])
    if "expected_close" in changes:
        values["expected_close"] = parse_close_date(uow, changes["expected_close"])
    if "contact_id" in changes:
        account = visible_customer(uow, opp.customer_id, "customer_id")
        values["contact_id"] = _contact_id(uow, changes["contact_id"], account)
    for key in ("approach", "source"):
        if key in changes:
            values[key] = changes[key] or None
    if values.get("source") and len(values["source"]) > 80:
        raise ValidationError("source", "at most 80 characters")
    rivals = _competitor_ids(uow, competitors, opp.customer_id) if competitors is not None else None
    for key, value in values.items():
        setattr(opp, key, value)
    opp.updated_at = uow.now
    if rivals is not None:
        current = uow.session.exec(select(OpportunityCompetitor).where(
            OpportunityCompetitor.opportunity_id == opp.id)).scalars().all()
        for row in current:
            if row.competitor_id not in rivals:
                uow.session.delete(row)
        for rival in set(rivals) - {row.competitor_id for row in current}:
            uow.session.add(OpportunityCompetitor(
                opportunity_id=opp.id, competitor_id=rival, customer_id=opp.customer_id))
    uow.session.flush()
    return opp


def assign_opportunity(uow: UnitOfWork, opportunity_id: int, owner: str | int) -> Opportunity:
    """Hand an open opportunity to exactly one new owner (a staff user)."""
    opp = _open(uow, opportunity_id)
    opp.owner_id = active_staff(uow, owner).id
    opp.updated_at = uow.now
    uow.session.flush()
    return opp


@dataclass(frozen=True)
class OpportunityRow:
    """An opportunity as listed: with its account's name and its owner's username."""

    id: int
    customer_id: int
    customer: str | None
    name: str
    pipeline: str
    stage: str
    status: str
    amount: Decimal
    currency: str
    probability: int
    expected_close: dt.date
    owner: str | None
    source: str | None
    lost_reason: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @property
    def weighted(self) -> Decimal:
        """Amount × probability."""
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"))


def opportunity_rows(uow: UnitOfWork, opps: Sequence[Opportunity]) -> list[OpportunityRow]:
    """Listing rows for stored opportunities (account names the principal may see)."""
    names = customer_names(uow, [o.customer_id for o in opps])
    owners = usernames(uow, [o.owner_id for o in opps])
    return [OpportunityRow(
        id=o.id, customer_id=o.customer_id, customer=names.get(o.customer_id), name=o.name,
        pipeline=o.pipeline, stage=o.stage, status=o.status, amount=o.amount, currency=o.currency,
        probability=o.probability, expected_close=o.expected_close,
        owner=owners.get(o.owner_id) if o.owner_id else None, source=o.source,
        lost_reason=o.lost_reason, created_at=o.created_at, closed_at=o.closed_at,
    ) for o in opps]


def list_opportunities(
    uow: UnitOfWork, *, status: str | None = "open", owner: str | int | None = None,
    customer_id: int | None = None, stage: str | None = None, pipeline: str | None = None,
    after_id: int | None = None, limit: int = 100,
) -> list[OpportunityRow]:
    """Opportunities the principal may see, in id order; page on with ``after_id``."""
    require(uow, ENTITY, "read")
    if status is not None and status not in ("open", "won", "lost"):
        raise ValidationError("status", "must be open, won or lost")
    query = select(Opportunity)
    if status is not None:
        query = query.where(Opportunity.status == status)
    if owner is not None:
        query = query.where(Opportunity.owner_id == active_staff(uow, owner).id)
    if customer_id is not None:
        query = query.where(Opportunity.customer_id == customer_id)
    if stage is not None:
        query = query.where(Opportunity.stage == stage)
    if pipeline is not None:
        query = query.where(Opportunity.pipeline == pipeline)
    if after_id is not None:
        query = query.where(Opportunity.id > after_id)
    query = query.order_by(Opportunity.id).limit(limit)
    return opportunity_rows(uow, uow.session.exec(query).scalars().all())


@dataclass(frozen=True)
class StageStep:
    """One stage change and how long the opportunity then stayed (None: closed there)."""

    from_stage: str | None
    to_stage: str
    changed_at: dt.datetime
    actor: str | None
    days: float | None


@dataclass
class OpportunityDetail:
    """An opportunity with its contact, approach, competitors and stage history."""

    opportunity: OpportunityRow
    contact: tuple[int, str | None] | None
    approach: str | None
    competitors: list[tuple[int, str | None]]
    history: list[StageStep] = field(default_factory=list)


def stage_history(uow: UnitOfWork, opp: Opportunity) -> list[StageStep]:
    """The opportunity's stage changes, each with the days spent in the stage it entered.

    Time in a stage runs to the next change; for the open stage, to now.
    """
    changes = uow.session.exec(select(StageChange).where(
        StageChange.opportunity_id == opp.id).order_by(StageChange.changed_at, StageChange.id)
    ).scalars().all()
    actors = usernames(uow, [c.actor_id for c in changes])
    steps = []
    for index, change in enumerate(changes):
        if index + 1 < len(changes):
            end: dt.datetime | None = changes[index + 1].changed_at
        else:
            end = uow.now if opp.status == "open" else None
        days = None if end is None else round((end - change.changed_at).total_seconds() / 86400, 2)
        steps.append(StageStep(change.from_stage, change.to_stage, change.changed_at,
                               actors.get(change.actor_id) if change.actor_id else None, days))
    return steps


def opportunity_detail(uow: UnitOfWork, opportunity_id: int) -> OpportunityDetail:
    """Everything about one opportunity (for ``sales opportunity show``)."""
    opp = get_opportunity(uow, opportunity_id)
    rivals = uow.session.exec(select(OpportunityCompetitor.competitor_id).where(
        OpportunityCompetitor.opportunity_id == opp.id)).scalars().all()
    names = customer_names(uow, [*rivals, opp.contact_id])
    contact = (opp.contact_id, names.get(opp.contact_id)) if opp.contact_id else None
    return OpportunityDetail(
        opportunity=opportunity_rows(uow, [opp])[0], contact=contact, approach=opp.approach,
        competitors=[(r, names.get(r)) for r in sorted(rivals)], history=stage_history(uow, opp),
    )


# ----------------------------------------------------------------------------- plugin hooks
# The sales plugin asks each area module for these (see plugin.py); this area's
# accounts, competitors and core customers live in guanxi_sales.accounts.


def register_jobs(register: Callable[..., None]) -> None:
    """The core-customer cadence check, daily at 07:00."""
    from guanxi_sales.accounts import CADENCE_JOB, check_core_cadence

    register(CADENCE_JOB, check_core_cadence, daily_at="07:00",
             description="task the owners of core customers whose contact is overdue")


def register_reports(register: Callable[..., None]) -> None:
    """Forecast, win/loss, funnel and sales-cycle reports (see guanxi_sales.analysis)."""
    from guanxi_sales import analysis

    analysis.register_reports(register)


def account_section(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """The sales section of the customer 360 view (see guanxi_sales.accounts)."""
    from guanxi_sales.accounts import account_section as section

    return section(uow, customer)


def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any]:
    """The opportunities of a customer (or with him as contact), competitor profile, cadence."""
    from guanxi_sales.accounts import PROFILE_FIELDS

    opps = uow.session.exec(select(Opportunity).where(
        (Opportunity.customer_id == customer_id) | (Opportunity.contact_id == customer_id))
        .order_by(Opportunity.id)).scalars().all()
    data: dict[str, Any] = {}
    if opps:
        data["opportunities"] = [
            {"id": o.id, "account_id": o.customer_id, "contact_id": o.contact_id, "name": o.name,
             "stage": o.stage, "status": o.status, "amount": str(o.amount), "currency": o.currency,
             "expected_close": o.expected_close.isoformat(), "approach": o.approach,
             "source": o.source, "lost_reason": o.lost_reason} for o in opps]
    profile = uow.session.exec(select(CompetitorProfile).where(
        CompetitorProfile.customer_id == customer_id)).scalars().first()
    if profile is not None:
        data["competitor_profile"] = {k: getattr(profile, k) for k in PROFILE_FIELDS}
    cadence = uow.session.exec(select(AccountCadence).where(
        AccountCadence.customer_id == customer_id)).scalars().first()
    if cadence is not None:
        data["core_customer"] = {"contact_period_days": cadence.contact_period_days}
    return data


def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Clear free texts about the person; amounts, stages and dates stay for aggregates."""
    from guanxi_sales.accounts import PROFILE_FIELDS

    connection = uow.session.connection()
    table = Opportunity.__table__
    connection.execute(update(table).where(table.c.customer_id == customer_id)
                       .values(name="(erased)", approach=None))
    profile = CompetitorProfile.__table__
    connection.execute(update(profile).where(profile.c.customer_id == customer_id)
                       .values(**dict.fromkeys(PROFILE_FIELDS)))
    cadence = AccountCadence.__table__
    connection.execute(update(cadence).where(cadence.c.customer_id == customer_id).values(extra={}))
    uow.session.expire_all()


def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Competitors, opportunities with their stage histories, core customers."""
    from guanxi_sales.accounts import generate_demo

    generate_demo(uow, rng, customers)
