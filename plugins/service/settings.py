"""The service plugin's settings (section ``[service]``), one sub-table per area.

Each area defines its own settings model next to its code; this module only puts them
together, so ``[service.sla]`` in an edition or ``guanxi.toml`` configures the SLA area
and nothing else.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from guanxi_service.assets.settings import AssetSettings
from guanxi_service.knowledge.settings import KnowledgeSettings
from guanxi_service.parts.settings import PartSettings
from guanxi_service.repairs.settings import RepairSettings
from guanxi_service.sla.settings import SlaSettings
from guanxi_service.surveys.settings import SurveySettings
from guanxi_service.tickets.settings import TicketSettings
from guanxi_service.visits.settings import VisitSettings


class ServiceSettings(BaseModel):
    """Everything configurable in the service plugin."""

    model_config = ConfigDict(extra="forbid")
    assets: AssetSettings = Field(default_factory=AssetSettings)
    tickets: TicketSettings = Field(default_factory=TicketSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    repairs: RepairSettings = Field(default_factory=RepairSettings)
    parts: PartSettings = Field(default_factory=PartSettings)
    visits: VisitSettings = Field(default_factory=VisitSettings)
    surveys: SurveySettings = Field(default_factory=SurveySettings)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
