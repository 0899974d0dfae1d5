"""Capturing leads from any channel, and moving them through their statuses.

``capture_lead`` is the one entry point every channel uses (the CLI, CSV imports, web
forms, events, campaigns): it validates, normalises the contact details, looks for the
same person among the open leads and the customers, and either merges into the open lead
it found or stores a new one (flagged with the customer it matches). Then it scores it.

Statuses: new → working → qualified → converted (:mod:`.conversion`); an open lead may
be disqualified with one of the configured reasons. Only its owner or an assigner may
move it (:func:`~guanxi_marketing.leads.common.require_workable`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import to_minor
from guanxi.errors import ValidationError
from guanxi.models import ContactPoint
from guanxi.normalize import normalize_email, normalize_phone
from guanxi.services.interactions import insert_interactions, validate_interaction
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.leads.assignment import initial_owner
from guanxi_marketing.leads.common import (
    ENTITY,
    get_lead,
    lead_settings,
    require_open,
    require_workable,
)
from guanxi_marketing.leads.models import OPEN_STATUSES, Lead
from guanxi_marketing.leads.scoring import rescore_ids, score_leads

MAX_VALUE = Decimal("1e13")
MAX_TOUCHES = 100  # the newest are kept; engagement older than a year counts nothing anyway
OPTIONAL_FIELDS = ("estimated_value", "owner", "currency")
LIMITS = {"name": 200, "company": 200, "interest": 500, "notes": 4000}


@dataclass(frozen=True)
class CaptureResult:
    """What a capture did: the lead, ``created`` or ``merged``, and the match if any.

    ``match`` names what the new details matched, e.g. ``"open lead 12 (email)"`` (the
    capture was merged into it) or ``"customer 7 (phone)"`` (a new lead, flagged).
    """

    lead: Lead
    outcome: str
    match: str | None = None


# ----------------------------------------------------------------------------- validation


def parse_value(value: Decimal | int | str | None) -> Decimal:
    """An estimated value: a non-negative amount with at most two decimals (empty: 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        to_minor(amount)
    except (InvalidOperation, ValueError):
        raise ValidationError("estimated_value", f"not an amount of money: {value!r}") from None
    if amount < 0 or amount >= MAX_VALUE:
        raise ValidationError("estimated_value", f"{amount} is negative or too large")
    return amount


def _text(field: str, value: str | None, *, required: bool = False) -> str | None:
    text = (value or "").strip() or None
    if text is None and required:
        raise ValidationError(field, "is required")
    if text is not None and len(text) > LIMITS[field]:
        raise ValidationError(field, f"at most {LIMITS[field]} characters")
    return text


def _contact(
    uow: UnitOfWork, email: str | None, phone: str | None
) -> tuple[str | None, str | None]:
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    try:
        email = normalize_email(email) if email else None
    except ValueError as exc:
        raise ValidationError("email", str(exc)) from None
    try:
        phone = normalize_phone(phone, uow.app.settings.default_region) if phone else None
    except ValueError as exc:
        raise ValidationError("phone", str(exc)) from None
    return email, phone


def _campaign(uow: UnitOfWork, campaign_id: int | str | None) -> int | None:
    if campaign_id is None or (isinstance(campaign_id, str) and not campaign_id.strip()):
        return None
    try:
        number = int(campaign_id)
    except ValueError:
        raise ValidationError("campaign_id", f"not a campaign id: {campaign_id!r}") from None
    if uow.session.exec(select(Campaign.id).where(Campaign.id == number)).scalar() is None:
        raise ValidationError("campaign_id", f"no campaign with id {number}")
    return number


def _currency(uow: UnitOfWork, value: str | None) -> str:
    code = (value or uow.app.settings.currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError("currency", f"not a currency code: {value!r}")
    return code


# ----------------------------------------------------------------------------- matching


def _open_lead_match(
    uow: UnitOfWork, email: str | None, phone: str | None
) -> tuple[int, str] | None:
    """The oldest open lead with this email or phone, whoever owns it (below the policies:
    a duplicate is a duplicate even of a lead the capturing person cannot see)."""
    table = Lead.__table__  # type: ignore[attr-defined]
    for field, value in (("email", email), ("phone", phone)):
        if value is None:
            continue
        found = uow.session.connection().execute(
            select(table.c.id).where(table.c[field] == value, table.c.status.in_(OPEN_STATUSES))
            .order_by(table.c.id).limit(1)
        ).scalar()
        if found is not None:
            return found, field
    return None


def customer_match(
    uow: UnitOfWork, email: str | None, phone: str | None
) -> tuple[int, str] | None:
    """The (lowest-id) customer who has this email or phone as a contact point."""
    points = ContactPoint.__table__  # type: ignore[attr-defined]
    for kind, value in (("email", email), ("phone", phone)):
        if value is None:
            continue
        found = uow.session.connection().execute(
            select(points.c.customer_id).where(points.c.kind == kind, points.c.normalized == value)
            .order_by(points.c.customer_id).limit(1)
        ).scalar()
        if found is not None:
            return found, kind
    return None


def touch(kind: str, at: dt.datetime, source: str | None) -> dict[str, Any]:
    """One entry of a lead's ``touches``."""
    return {"kind": kind, "at": at.astimezone(dt.UTC).isoformat(), "source": source}


def _merge(uow: UnitOfWork, lead_id: int, values: dict[str, Any]) -> Lead:
    """Fold a repeated capture into the open lead: fill its gaps, add notes and a touch."""
    table = Lead.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    row = connection.execute(select(table).where(table.c.id == lead_id)).mappings().one()
    changes: dict[str, Any] = {"updated_at": uow.now}
    for field in ("company", "email", "phone", "interest", "campaign_id"):
        if row[field] is None and values[field] is not None:
            changes[field] = values[field]
    if not row["estimated_value"] and values["estimated_value"]:
        changes["estimated_value"] = values["estimated_value"]
    if values["notes"]:
        changes["notes"] = "\n".join(filter(None, [row["notes"], values["notes"]]))[:4000]
    touches = [*row["touches"], touch("marketing.lead_captured", uow.now, values["source"])]
    changes["touches"] = touches[-MAX_TOUCHES:]
    connection.execute(table.update().where(table.c.id == lead_id).values(**changes))
    rescore_ids(uow, [lead_id], None)
    merged = connection.execute(select(table).where(table.c.id == lead_id)).mappings().one()
    return Lead(**merged)


def _log_on_customer(uow: UnitOfWork, lead: Lead, customer_id: int, matched_on: str) -> None:
    # Validated and inserted directly: the log's own entry point also asks whether the
    # principal sees the customer, and whoever captures a lead may well not.
    require(uow, "interaction", "create")
    record = validate_interaction(uow, {
        "customer_id": customer_id, "kind": "marketing.lead_captured", "direction": "inbound",
        "actor": uow.actor_id, "subject": f"lead {lead.id}: {lead.interest or lead.source}"[:500],
        "source": lead.source, "payload": {
            "lead_id": lead.id, "source": lead.source, "matched_on": matched_on,
            "campaign_id": lead.campaign_id, "interest": lead.interest,
        },
    })
    insert_interactions(uow, [record])


# ----------------------------------------------------------------------------- capture


def capture(
    uow: UnitOfWork,
    *,
    name: str,
    source: str,
    company: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    campaign_id: int | str | None = None,
    interest: str | None = None,
    notes: str | None = None,
    **extra: Any,
) -> CaptureResult:
    """Capture a lead from any channel; merge it into an open lead of the same person.

    ``extra`` may hold ``estimated_value``, ``currency`` and ``owner`` (an assigner only;
    without it the assignment rule decides). Raises :class:`ValidationError` naming the
    field before anything is written.
    """
    require(uow, ENTITY, "create")
    for key in extra:
        if key not in OPTIONAL_FIELDS:
            raise ValidationError(key, "unknown lead field")
    settings = lead_settings(uow.app)
    values: dict[str, Any] = {
        "name": _text("name", name, required=True),
        "company": _text("company", company),
        "interest": _text("interest", interest),
        "notes": _text("notes", notes),
        "source": (source or "").strip(),
        "estimated_value": parse_value(extra.get("estimated_value")),
        "currency": _currency(uow, extra.get("currency")),
    }
    if values["source"] not in settings.sources:
        raise ValidationError("source", f"{source!r} is not one of: {', '.join(settings.sources)}")
    values["email"], values["phone"] = _contact(uow, email, phone)
    values["campaign_id"] = _campaign(uow, campaign_id)
    duplicate = _open_lead_match(uow, values["email"], values["phone"])
    if duplicate is not None:
        lead_id, field = duplicate
        merged = _merge(uow, lead_id, values)
        return CaptureResult(merged, "merged", f"open lead {lead_id} ({field})")
    owner_id = initial_owner(uow, values["source"], extra.get("owner"))
    matched = customer_match(uow, values["email"], values["phone"])
    lead = Lead(
        **values, owner_id=owner_id, matched_customer_id=matched[0] if matched else None,
        touches=[touch("marketing.lead_captured", uow.now, values["source"])],
        created_at=uow.now, updated_at=uow.now,
    )
    uow.session.add(lead)
    uow.session.flush()
    score_leads(uow, [lead])
    if matched is None:
        return CaptureResult(lead, "created")
    _log_on_customer(uow, lead, *matched)
    return CaptureResult(lead, "created", f"customer {matched[0]} ({matched[1]})")


def capture_lead(uow: UnitOfWork, *, name: str, source: str, **fields: Any) -> Lead:
    """Capture a lead (the areas' contract): ``company``, ``email``, ``phone``,
    ``campaign_id``, ``interest``, ``notes`` and the extras of :func:`capture`, which does
    the work; returns the new lead, or the open lead it was merged into."""
    return capture(uow, name=name, source=source, **fields).lead


def record_touch(
    uow: UnitOfWork, lead_id: int, kind: str, *, at: dt.datetime | None = None,
    source: str | None = None,
) -> Lead:
    """Note something an open lead did (``marketing.event_attended`` …) and re-score it."""
    lead = get_lead(uow, lead_id, for_update=True)
    require_open(lead)
    if not kind.strip() or len(kind) > 80:
        raise ValidationError("kind", "is required (at most 80 characters)")
    when = at or uow.now
    if when > uow.now:
        raise ValidationError("at", f"{when.isoformat()} is in the future")
    lead.touches = [*lead.touches, touch(kind.strip(), when, source)][-MAX_TOUCHES:]
    lead.updated_at = uow.now
    score_leads(uow, [lead])
    return lead


# ----------------------------------------------------------------------------- statuses


def _workable(uow: UnitOfWork, lead_id: int) -> Lead:
    lead = get_lead(uow, lead_id, for_update=True)
    require_open(lead)
    require_workable(uow, lead)
    return lead


def start_working(uow: UnitOfWork, lead_id: int) -> Lead:
    """The owner started working a new lead (new → working)."""
    lead = _workable(uow, lead_id)
    if lead.status != "new":
        raise ValidationError("status", f"lead {lead.id} is {lead.status}, not new")
    lead.status, lead.updated_at = "working", uow.now
    uow.session.flush()
    return lead


def qualify_lead(uow: UnitOfWork, lead_id: int) -> Lead:
    """The lead is worth converting (new or working → qualified)."""
    lead = _workable(uow, lead_id)
    if lead.status == "qualified":
        raise ValidationError("status", f"lead {lead.id} is already qualified")
    lead.status, lead.updated_at = "qualified", uow.now
    uow.session.flush()
    return lead


def disqualify_lead(uow: UnitOfWork, lead_id: int, reason: str, *, note: str | None = None) -> Lead:
    """Close an open lead for one of the settings' ``disqualify_reasons`` (note optional)."""
    lead = _workable(uow, lead_id)
    reasons = lead_settings(uow.app).disqualify_reasons
    if (reason or "").strip() not in reasons:
        raise ValidationError("reason", f"{reason!r} is not one of: {', '.join(reasons)}")
    lead.status, lead.disqualified_reason = "disqualified", reason.strip()
    if note and note.strip():
        lead.notes = "\n".join(filter(None, [lead.notes, note.strip()]))[: LIMITS["notes"]]
    lead.updated_at = uow.now
    uow.session.flush()
    return lead


# ----------------------------------------------------------------------------- listing


def list_leads(
    uow: UnitOfWork, *, status: str | None = None, owner: int | None = None,
    source: str | None = None, campaign_id: int | None = None, grade: str | None = None,
    min_score: int | None = None, after_id: int | None = None, limit: int = 100,
) -> list[Lead]:
    """Leads the principal may see, in id order; page on with ``after_id``."""
    require(uow, ENTITY, "read")
    query = select(Lead)
    if status is not None:
        if status == "open":
            query = query.where(Lead.status.in_(OPEN_STATUSES))
        else:
            query = query.where(Lead.status == status)
    conditions = [
        (owner, Lead.owner_id == owner), (source, Lead.source == source),
        (campaign_id, Lead.campaign_id == campaign_id), (grade, Lead.grade == grade),
        (min_score, Lead.score >= (min_score or 0)), (after_id, Lead.id > (after_id or 0)),
    ]
    for given, condition in conditions:
        if given is not None:
            query = query.where(condition)
    return list(uow.session.exec(query.order_by(Lead.id).limit(limit)).scalars())


def leads_of_customer(uow: UnitOfWork, customer_id: int) -> list[Lead]:
    """The leads converted to, or matched with, a customer (that the principal sees)."""
    query = select(Lead).where(
        or_(Lead.customer_id == customer_id, Lead.matched_customer_id == customer_id)
    )
    return list(uow.session.exec(query.order_by(Lead.id)).scalars())
