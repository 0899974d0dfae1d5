"""The marketing plugin's settings (section ``[marketing]``), one sub-table per area.

Each area defines its own settings model next to its code; this module only puts them
together, so ``[marketing.messages]`` in an edition or ``guanxi.toml`` configures the
messages area and nothing else.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from guanxi_marketing.campaigns.settings import CampaignSettings
from guanxi_marketing.events.settings import EventSettings
from guanxi_marketing.leads.settings import LeadSettings
from guanxi_marketing.loyalty.settings import LoyaltySettings
from guanxi_marketing.messages.settings import MessageSettings
from guanxi_marketing.segments.settings import SegmentSettings
from guanxi_marketing.triggers.settings import TriggerSettings


class MarketingSettings(BaseModel):
    """Everything configurable in the marketing plugin."""

    model_config = ConfigDict(extra="forbid")
    segments: SegmentSettings = Field(default_factory=SegmentSettings)
    campaigns: CampaignSettings = Field(default_factory=CampaignSettings)
    leads: LeadSettings = Field(default_factory=LeadSettings)
    messages: MessageSettings = Field(default_factory=MessageSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings)
    triggers: TriggerSettings = Field(default_factory=TriggerSettings)
