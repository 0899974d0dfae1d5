"""What the campaigns modules share: entity names, lookups and input parsing.

Every lookup reads through ORM queries on ``uow.session``, so the record policies of
the acting principal decide what is found (an invisible campaign or member is "not found").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.db.types import to_minor
from guanxi.errors import NotFoundError, ValidationError
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.campaigns.settings import CampaignSettings

CAMPAIGN = "marketing.campaign"
MEMBER = "marketing.campaign_member"
COST = "marketing.campaign_cost"
MAX_AMOUNT = Decimal("1e13")  # far below what integer hundredths in a BIGINT hold


def campaign_settings(app: App) -> CampaignSettings:
    """The resolved ``[marketing.campaigns]`` settings."""
    return app.settings_for("marketing").campaigns


def get_campaign(uow: UnitOfWork, ref: int | str) -> Campaign:
    """A campaign by id or exact name that the principal may see; NotFoundError otherwise."""
    require(uow, CAMPAIGN, "read")
    text = str(ref).strip()
    query = select(Campaign)
    if text.isdigit():
        query = query.where(Campaign.id == int(text))
    else:
        query = query.where(Campaign.name == text).order_by(Campaign.id)
    found = uow.session.exec(query).scalars().all()
    if not found:
        raise NotFoundError(f"no campaign {ref!r}")
    if len(found) > 1:
        raise ValidationError("campaign", f"{len(found)} campaigns are named {text!r}: use the id")
    return found[0]


def campaign_field(uow: UnitOfWork, ref: int | str, field_name: str) -> Campaign:
    """:func:`get_campaign`, with "not found" reported as bad input of ``field_name``."""
    try:
        return get_campaign(uow, ref)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None


def parse_money(value: Decimal | int | str, field_name: str) -> Decimal:
    """A non-negative amount of money with at most two decimals."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        to_minor(amount)
    except (InvalidOperation, ValueError):
        raise ValidationError(field_name, f"not an amount of money: {value!r}") from None
    if amount < 0:
        raise ValidationError(field_name, "must not be negative")
    if amount >= MAX_AMOUNT:
        raise ValidationError(field_name, f"{amount} is too large")
    return amount


def parse_date(value: dt.date | str | None, field_name: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` text (None stays None)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def parse_choice(value: str, allowed: Sequence[str], field_name: str) -> str:
    """``value`` if it is one of ``allowed``; a ValidationError listing them otherwise."""
    text = (value or "").strip().lower().replace("-", "_")
    if text not in allowed:
        raise ValidationError(field_name, f"{value!r} is not one of {', '.join(allowed)}")
    return text



