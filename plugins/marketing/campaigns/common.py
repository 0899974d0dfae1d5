"""What the campaigns modules share: entity names, lookups and input parsing.

Every lookup reads through ORM queries on ``uow.session``, so the record policies of
the acting principal decide what is found (an invisible campaign or member is "not found").
"""

from __future__ import annotations

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.campaigns.settings import CampaignSettings

CAMPAIGN = "marketing.campaign"
MEMBER = "marketing.campaign_member"
COST = "marketing.campaign_cost"


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









