"""The interaction kinds the campaigns area logs, with their payload models.

Every payload names the campaign (``campaign_id``): attribution reads those entries as
touches of the campaign (see :mod:`guanxi_marketing.campaigns.attribution`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class CampaignMemberPayload(BaseModel):
    """``marketing.campaign_sent`` / ``_responded`` / ``_converted``: a member moved on."""

    model_config = ConfigDict(extra="forbid")
    campaign_id: int
    campaign: str
    type: str
    status: str
    response: str | None = None


# kind → (payload model, default channel, description). The channel of each entry is
# the campaign type's (CHANNEL_BY_TYPE); the default only applies when that is unknown.
KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "marketing.campaign_sent": (
        CampaignMemberPayload, None, "a campaign reached a customer (mail, call, post…)"),
    "marketing.campaign_responded": (
        CampaignMemberPayload, None, "a customer responded to a campaign"),
    "marketing.campaign_converted": (
        CampaignMemberPayload, None, "a campaign member converted (bought, signed up…)"),
}

# The interaction channel of a campaign's touches, by campaign type.
CHANNEL_BY_TYPE = {
    "email": "email", "sms": "sms", "telemarketing": "phone", "event": "event",
    "direct_mail": "letter", "social": "social",
}
